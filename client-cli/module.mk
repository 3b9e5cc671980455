# SPDX-License-Identifier: MIT
# client-cli/: socks4-client, CONNECT / BIND / raw requests by hand, stdin <-> proxy like nc.
PROGRAM_NAMES += socks4-client
socks4-client_SRC := client-cli/main.c client-cli/args.c client-cli/client.c client-cli/trace.c

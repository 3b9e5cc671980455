/* SPDX-License-Identifier: MIT */
/* nsexec.h - an --exec target's own /etc/resolv.conf: the target is started
 * in a private mount namespace (unshare(CLONE_NEWNS), with a user namespace
 * of its own when the runner is not privileged) where a file of the runner's
 * is bind-mounted over /etc/resolv.conf, so that its resolver asks the
 * runner's name service (dnsd.h). The runner runs itself as the wrapper:
 *     socks4-test --internal-ns-exec RESOLV_CONF sh -c CMD
 * sets the namespace up and execs the rest (the same process). */
#ifndef SOCKS4KIT_NSEXEC_H
#define SOCKS4KIT_NSEXEC_H

#include <stddef.h>

#define NSEXEC_FLAG "--internal-ns-exec"

/* Can a child get a private resolv.conf here? 0 yes (tried in a forked
 * child that reads the file back), -1 with why ("unshare: Operation not
 * permitted", ...). */
int nsexec_probe(const char *resolv_conf, char *why, size_t whylen);
/* main() for argv = {prog, NSEXEC_FLAG, RESOLV_CONF, program, args...}:
 * never returns when the program runs; 127 when it could not. */
int nsexec_main(int argc, char **argv);

#endif

# SPDX-License-Identifier: MIT
"""Dante's SOCKS server (danted, from Debian's dante-server) on loopback, for the
interop tests, the conformance runner's checks and the benchmarks.

    from dante import start_dante
    d = start_dante()                 # 127.0.0.1, a free port
    sock = socket.create_connection((d.host, d.port))
    ...
    d.stop()

start_dante() writes a configuration to a fresh temporary directory: one internal
address (127.0.0.1 and a free port unless given), external 127.0.0.1, no
authentication (clientmethod/socksmethod none), and `client pass` / `socks pass` rules
from 127.0.0.0/8 to 127.0.0.0/8. It starts `danted -f CONF -p PIDFILE` in the
foreground (one server process, danted's default), waits until the port accepts a
connection, and returns a Dante with .host, .port, .addr, .conf, .log(), .stop().
Run as root, danted is told to drop to `nobody` for unprivileged work; otherwise it
runs as the calling user. Logs go to danted.log in the temporary directory (kept in
error messages, removed with the directory by stop()).

As a script, it starts one Dante and prints "dante: listening on HOST:PORT" on stderr
until SIGINT or SIGTERM (for benchmarks and manual checks):
    /usr/bin/python3 tests/integration/dante.py [PORT]
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DANTED = "/usr/sbin/danted"
START_TIMEOUT = 10.0  # seconds until the port must accept
STOP_TIMEOUT = 10.0   # seconds after SIGTERM before SIGKILL
BIND_RETRIES = 3      # a free port can be taken between choosing and binding it

# Settings (and any extra_config) come before the rules: Dante reads settings first,
# and the first matching rule wins, so extra block rules must precede the pass rules.
CONFIG = """\
# written by tests/integration/dante.py
logoutput: {log}
internal: {host} port = {port}
external: {external}
clientmethod: none
socksmethod: none
{users}
{extra}
{rules}
"""

DEFAULT_RULES = """\
client pass {
	from: 127.0.0.0/8 to: 127.0.0.0/8
	log: error
}
socks pass {
	from: 127.0.0.0/8 to: 127.0.0.0/8
	log: error
}
"""

# danted refuses to start as root without knowing whom to run unprivileged code as.
ROOT_USERS = "user.privileged: root\nuser.unprivileged: nobody\n"


class DanteError(RuntimeError):
    pass


def _free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Dante:
    """One running danted. Use start_dante() to make one."""

    def __init__(self, host, port, extra_config, rules, external):
        self.host = host
        self.port = port
        self.addr = (host, port)
        self.dir = tempfile.mkdtemp(prefix="s4kit-dante-")
        # danted's unprivileged processes must still reach the directory.
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "danted.conf")
        self.logfile = os.path.join(self.dir, "danted.log")
        self.pidfile = os.path.join(self.dir, "danted.pid")
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(log=self.logfile, host=host, port=port, external=external,
                                  users=ROOT_USERS if os.geteuid() == 0 else "",
                                  extra=extra_config, rules=DEFAULT_RULES if rules is None
                                  else rules))
        self._out = open(os.path.join(self.dir, "danted.out"), "wb")
        self.proc = subprocess.Popen([DANTED, "-f", self.conf, "-p", self.pidfile],
                                     stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=subprocess.STDOUT)

    def log(self):
        """danted's log file and its stdout/stderr, for error messages."""
        text = []
        for name in ("danted.log", "danted.out"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text.append(f"--- {name}\n{f.read()}")
            except OSError:
                pass
        return "\n".join(text)

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(self.addr, timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.02)
        raise DanteError(f"danted did not accept on {self.host}:{self.port} within "
                         f"{timeout}s\n{self.log()}")

    def stop(self):
        """SIGTERM, wait (SIGKILL after STOP_TIMEOUT), remove the directory.
        Returns danted's exit status (None when it was already stopped)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self._out.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_dante(port=0, extra_config="", rules=None, host="127.0.0.1", external="127.0.0.1"):
    """Starts danted on host:port (port 0: a free one) and waits until it accepts.
    extra_config is inserted after the settings and before the rules; rules replaces
    the default pass rules for 127.0.0.0/8. Raises DanteError when danted is missing
    or does not come up (its log is in the message)."""
    if not os.access(DANTED, os.X_OK):
        raise DanteError(f"{DANTED} is missing: install dante-server (ci/deps.sh)")
    for attempt in range(BIND_RETRIES):
        d = Dante(host, port or _free_port(host), extra_config, rules, external)
        try:
            if d._wait_ready(START_TIMEOUT):
                return d
        except DanteError:
            d.stop()
            raise
        log = d.log()
        d.stop()
        if port or attempt == BIND_RETRIES - 1:
            raise DanteError(f"danted exited at start\n{log}")
    raise AssertionError("unreachable")


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    d = start_dante(port)
    print(f"dante: listening on {d.host}:{d.port}", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        d.proc.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        d.stop()


if __name__ == "__main__":
    main()

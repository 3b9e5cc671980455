# SPDX-License-Identifier: MIT
"""SOCKS4/SOCKS4a servers that nobody on this team wrote, started on loopback, so that
socks4-test can be run against them and its verdicts checked by hand.

    from thirdparty import start, SERVERS
    s = start("openssh")              # 127.0.0.1, a free port
    ... socks4-test --target f"{s.host}:{s.port}" ...
    s.alive()                         # False once the server died (a crash)
    print(s.log())                    # every process's output
    s.stop()

Each start_NAME(port=0) returns a ThirdParty: .name, .version (the Debian or npm
version), .host, .port, .addr, .proc (the process that serves SOCKS, Popen), .procs
(every process started, e.g. sshd and ssh), .alive(), .log(), .stop(). Everything it
needs (keys, configurations, logs) is in a fresh temporary directory that stop()
removes. The servers, and the package each comes from (ci/deps.sh installs them):

  openssh          ssh -D, dynamic forwarding through a local sshd   openssh-server/-client
  plink            PuTTY's plink -D through the same kind of sshd    putty-tools
  twisted          twistd socks, Twisted's SOCKSv4 server             python3-twisted
  perl-socks       IO::Socket::Socks's examples/server4.pl            libio-socket-socks-perl
  v2ray            v2ray's socks inbound, freedom outbound           v2ray
  node-socks4      npm socks4: its README's example                  tests/integration/thirdparty
  node-socks5      npm socks5: its demo proxy.js                     (npm ci, pinned in
  node-socks5server  npm socks5server: its proxy.js                   package-lock.json)
  node-socks-server-lib  npm socks-server-lib: its dist/server.js

Dante, the other third-party server, has its own module (dante.py).

The only change made to anyone's code: the port in the two scripts that hard-code
theirs (perl-socks: ProxyAddr/ProxyPort; node-socks5: PORT, see thirdparty/serve.js).

As a script, it starts one server and prints "NAME VERSION: listening on HOST:PORT" on
stderr until SIGINT or SIGTERM (for running socks4-test against it by hand):
    /usr/bin/python3 tests/integration/thirdparty.py NAME [PORT]
    /usr/bin/python3 tests/integration/thirdparty.py --list
"""
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
NODE_DIR = HERE / "thirdparty"          # package.json, package-lock.json, serve.js
NODE_MODULES = NODE_DIR / "node_modules"

START_TIMEOUT = 15.0  # seconds until the SOCKS port must accept (sshd + ssh is the slowest)
STOP_TIMEOUT = 5.0    # seconds after SIGTERM before SIGKILL
BIND_RETRIES = 3      # a free port can be taken between choosing it and the server binding it

SSHD = "/usr/sbin/sshd"  # sshd re-executes itself: it must be started by absolute path
PERL_SERVER4 = "/usr/share/doc/libio-socket-socks-perl/examples/server4.pl"


class ThirdPartyError(RuntimeError):
    pass


class _PortTaken(Exception):
    """A helper server (sshd) could not have its port: start again on other ports."""


def _free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _need(path, package):
    found = shutil.which(path) if os.sep not in path else (path if os.path.exists(path) else None)
    if not found:
        raise ThirdPartyError(f"{path} is missing: install {package} (ci/deps.sh)")
    return found


def _deb_version(package):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                       text=True)
    return p.stdout.strip() if p.returncode == 0 else "?"


def _npm_version(package):
    import json
    try:
        with open(NODE_MODULES / package / "package.json") as f:
            return json.load(f)["version"]
    except OSError:
        raise ThirdPartyError(f"{NODE_MODULES / package} is missing: run "
                              f"npm ci --prefix {NODE_DIR} (ci/deps.sh)") from None


def _run(argv, what):
    p = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise ThirdPartyError(f"{what}: {' '.join(argv)} exited {p.returncode}\n"
                              f"{p.stdout}{p.stderr}")
    return p.stdout


def _listening_inodes(port):
    """Inodes of the TCP sockets (IPv4 and IPv6, any address) in LISTEN on port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, state, inode = fields[1], fields[3], fields[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(inode)
        except OSError:
            pass
    return inodes


def _socket_inodes(pid):
    found = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                found.add(link[8:-1])
    except OSError:
        pass
    return found


def _wait_listening(server, pid, port, deadline):
    """True once process pid listens on port; False when one of server's processes
    exited or another program listens there; None at the deadline."""
    while time.monotonic() < deadline:
        if not server.alive():
            return False
        listening = _listening_inodes(port)
        if listening:
            if listening & _socket_inodes(pid):
                return True
            return False
        time.sleep(0.05)
    return None


class ThirdParty:
    """One running third-party server (maybe several processes: sshd and ssh)."""

    def __init__(self, name, version, host, port):
        self.name = name
        self.version = version
        self.host = host
        self.port = port
        self.addr = (host, port)
        self.dir = tempfile.mkdtemp(prefix=f"s4kit-3p-{name}-")
        self.procs = []   # (label, Popen, log file)
        self.proc = None  # the one that serves SOCKS

    def path(self, name):
        return os.path.join(self.dir, name)

    def spawn(self, label, argv, serves=False, env=None, cwd=None):
        out = open(self.path(f"{label}.log"), "wb")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, env=env, cwd=cwd or self.dir,
                             start_new_session=True)
        self.procs.append((label, p, out))
        if serves:
            self.proc = p
        return p

    def alive(self):
        """True while every process is running (a server that crashed is not)."""
        return bool(self.procs) and all(p.poll() is None for _, p, _ in self.procs)

    def exit_status(self):
        """{label: returncode or None} for every process."""
        return {label: p.poll() for label, p, _ in self.procs}

    def log(self):
        text = []
        for label, _, _ in self.procs:
            try:
                with open(self.path(f"{label}.log"), errors="replace") as f:
                    text.append(f"--- {label}\n{f.read()}")
            except OSError:
                pass
        return "\n".join(text)

    def wait_ready(self, timeout=START_TIMEOUT):
        """Waits until the SOCKS process listens on the port. False when a process
        exited first, or when another program holds the port (taken between choosing
        and binding it: connecting would reach that program); ThirdPartyError on
        timeout."""
        state = _wait_listening(self, self.proc.pid, self.port, time.monotonic() + timeout)
        if state is None:
            raise ThirdPartyError(f"{self.name} did not listen on {self.host}:{self.port} "
                                  f"within {timeout}s\n{self.log()}")
        return state

    def stop(self):
        """SIGTERM to every process group (SIGKILL after STOP_TIMEOUT), removes the
        directory. Returns the SOCKS process's exit status (None if never started)."""
        rc = None
        for label, p, out in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                p.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
            out.close()
            if p is self.proc:
                rc = p.returncode
        self.procs = []
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _start(name, version, port, launch, host="127.0.0.1"):
    """launch(server) spawns the processes of one attempt; retried on another free
    port when the server exits at start (the port was taken meanwhile)."""
    for attempt in range(BIND_RETRIES):
        s = ThirdParty(name, version, host, port or _free_port(host))
        try:
            launch(s)
            if s.wait_ready():
                return s
        except _PortTaken:
            pass
        except BaseException:
            s.stop()
            raise
        log = s.log()
        s.stop()
        if port or attempt == BIND_RETRIES - 1:
            raise ThirdPartyError(f"{name} did not come up on {host}:{s.port} (it exited, or "
                                  f"another program has the port)\n{log}")
    raise AssertionError("unreachable")


# --- OpenSSH and PuTTY: dynamic forwarding through a throwaway sshd -------------------

SSHD_CONFIG = """\
# written by tests/integration/thirdparty.py
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
AllowUsers {user}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowTcpForwarding yes
PermitOpen any
LogLevel VERBOSE
"""


def _start_sshd(s):
    """A loopback sshd in s.dir that lets this user in with s.dir/id. Returns
    (sshd_port, user)."""
    _need(SSHD, "openssh-server")
    _need("ssh-keygen", "openssh-client")
    user = pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation
    for key in ("host_key", "id"):
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"s4kit-{key}",
              "-f", s.path(key)], "ssh-keygen")
    shutil.copy(s.path("id.pub"), s.path("authorized_keys"))
    sshd_port = _free_port()
    with open(s.path("sshd_config"), "w") as f:
        f.write(SSHD_CONFIG.format(port=sshd_port, dir=s.dir, user=user))
    sshd = s.spawn("sshd", [SSHD, "-D", "-e", "-f", s.path("sshd_config")])
    if not _wait_listening(s, sshd.pid, sshd_port, time.monotonic() + START_TIMEOUT):
        raise _PortTaken()
    return sshd_port, user


def start_openssh(port=0):
    """ssh -N -D HOST:PORT through a throwaway sshd on another loopback port."""
    _need("ssh", "openssh-client")

    def launch(s):
        sshd_port, user = _start_sshd(s)
        with open(s.path("host_key.pub")) as f:
            host_key = " ".join(f.read().split()[:2])
        with open(s.path("known_hosts"), "w") as f:
            f.write(f"[127.0.0.1]:{sshd_port} {host_key}\n")
        s.spawn("ssh", ["ssh", "-N", "-F", "/dev/null", "-D", f"{s.host}:{s.port}",
                        "-i", s.path("id"), "-p", str(sshd_port),
                        "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
                        "-o", "StrictHostKeyChecking=yes",
                        "-o", f"UserKnownHostsFile={s.path('known_hosts')}",
                        "-o", "ServerAliveInterval=0", f"{user}@127.0.0.1"], serves=True)

    return _start("openssh", f"OpenSSH {_deb_version('openssh-client')}", port, launch)


def start_plink(port=0):
    """PuTTY's plink -N -D HOST:PORT through a throwaway OpenSSH sshd."""
    _need("plink", "putty-tools")
    _need("puttygen", "putty-tools")

    def launch(s):
        sshd_port, user = _start_sshd(s)
        _run(["puttygen", s.path("id"), "-O", "private", "-o", s.path("id.ppk")], "puttygen")
        fingerprint = _run(["ssh-keygen", "-l", "-E", "sha256", "-f", s.path("host_key.pub")],
                           "ssh-keygen -l").split()[1]
        # HOME in the directory: plink keeps no host-key cache or settings of its own there.
        env = dict(os.environ, HOME=s.dir)
        s.spawn("plink", ["plink", "-ssh", "-batch", "-N", "-D", f"{s.host}:{s.port}",
                          "-P", str(sshd_port), "-i", s.path("id.ppk"),
                          "-hostkey", fingerprint, f"{user}@127.0.0.1"], serves=True, env=env)

    return _start("plink", f"PuTTY {_deb_version('putty-tools')}", port, launch)


# --- Twisted, Perl, v2ray ---------------------------------------------------------------

def start_twisted(port=0):
    """twistd -n socks: twisted.protocols.socks.SOCKSv4 (CONNECT, BIND, 4a)."""
    twistd = shutil.which("twistd3") or shutil.which("twistd")
    if not twistd:
        raise ThirdPartyError("twistd3 is missing: install python3-twisted (ci/deps.sh)")

    def launch(s):
        s.spawn("twistd", [twistd, "-n", "--pidfile=", "--logfile=-",
                           "socks", "-i", s.host, "-p", str(s.port)], serves=True)

    return _start("twisted", f"Twisted {_deb_version('python3-twisted')}", port, launch)


def start_perl_socks(port=0):
    """IO::Socket::Socks's examples/server4.pl (one client at a time, as written)."""
    _need("perl", "perl")
    _need(PERL_SERVER4, "libio-socket-socks-perl")

    def launch(s):
        with open(PERL_SERVER4) as f:
            source = f.read()
        fixed = "ProxyAddr => 'localhost', ProxyPort => 1080"
        if source.count(fixed) != 1:
            raise ThirdPartyError(f"{PERL_SERVER4} no longer has {fixed!r} exactly once")
        script = s.path("server4.pl")
        with open(script, "w") as f:
            f.write(source.replace(fixed, f"ProxyAddr => '{s.host}', ProxyPort => {s.port}"))
        s.spawn("perl", ["perl", script], serves=True)

    return _start("perl-socks", f"IO::Socket::Socks {_deb_version('libio-socket-socks-perl')}",
                  port, launch)


V2RAY_CONFIG = """\
{{
  "log": {{"loglevel": "warning"}},
  "inbounds": [{{"listen": "{host}", "port": {port}, "protocol": "socks",
                 "settings": {{"auth": "noauth", "udp": false}}}}],
  "outbounds": [{{"protocol": "freedom"}}]
}}
"""


def start_v2ray(port=0):
    """v2ray with one socks inbound (SOCKS4, 4a and 5) and a direct (freedom) outbound."""
    _need("v2ray", "v2ray")

    def launch(s):
        with open(s.path("v2ray.json"), "w") as f:
            f.write(V2RAY_CONFIG.format(host=s.host, port=s.port))
        s.spawn("v2ray", ["v2ray", "-config", s.path("v2ray.json")], serves=True)

    return _start("v2ray", f"v2ray {_deb_version('v2ray')}", port, launch)


# --- npm packages (tests/integration/thirdparty: npm ci) ------------------------------

def _start_node(name, package, argv_for, env_for=None):
    def start(port=0):
        _need("node", "nodejs")
        version = f"{package} {_npm_version(package)}"

        def launch(s):
            env = dict(os.environ, **(env_for(s) if env_for else {}))
            s.spawn("node", ["node", *argv_for(s)], serves=True, env=env, cwd=str(NODE_DIR))

        return _start(name, version, port, launch)

    start.__name__ = f"start_{name.replace('-', '_')}"
    start.__doc__ = f"npm {package} on loopback (see thirdparty/serve.js)."
    return start


start_node_socks4 = _start_node(
    "node-socks4", "socks4", lambda s: ["serve.js", "socks4", str(s.port)])
start_node_socks5 = _start_node(
    "node-socks5", "socks5", lambda s: ["serve.js", "socks5", str(s.port)])
start_node_socks5server = _start_node(
    "node-socks5server", "socks5server",
    lambda s: [str(NODE_MODULES / "socks5server" / "proxy.js"), "-H", s.host, "-P", str(s.port)])
start_node_socks_server_lib = _start_node(
    "node-socks-server-lib", "socks-server-lib",
    lambda s: [str(NODE_MODULES / "socks-server-lib" / "dist" / "server.js")],
    lambda s: {"HOST": s.host, "PORT": str(s.port)})

SERVERS = {
    "openssh": start_openssh,
    "plink": start_plink,
    "twisted": start_twisted,
    "perl-socks": start_perl_socks,
    "v2ray": start_v2ray,
    "node-socks4": start_node_socks4,
    "node-socks5": start_node_socks5,
    "node-socks5server": start_node_socks5server,
    "node-socks-server-lib": start_node_socks_server_lib,
}


def start(name, port=0):
    """Starts SERVERS[name] on 127.0.0.1:port (0: a free port)."""
    if name not in SERVERS:
        raise ThirdPartyError(f"unknown server {name!r}; known: {', '.join(SERVERS)}")
    return SERVERS[name](port)


def main(argv):
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    if argv[0] == "--list":
        print("\n".join(SERVERS))
        return 0
    port = int(argv[1]) if len(argv) > 1 else 0
    try:
        s = start(argv[0], port)
    except ThirdPartyError as e:
        print(f"thirdparty.py: {e}", file=sys.stderr)
        return 1
    print(f"{s.name} {s.version}: listening on {s.host}:{s.port}", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while s.alive():
            time.sleep(0.5)
        print(f"{s.name}: exited {s.exit_status()}\n{s.log()}", file=sys.stderr)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# SPDX-License-Identifier: MIT
"""Real SOCKS4/4a clients through socks4-server: curl, socat and PySocks
(all from ci/deps.sh; a missing one fails the test, it never skips)."""
import http.server
import shutil
import socket
import subprocess
import threading

import pytest

PAGE = b"socks4kit says hello\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (ci/deps.sh installs it)")
    return path


@pytest.mark.parametrize("flag,host", [("--socks4", "127.0.0.1"), ("--socks4a", "localhost"),
                                       ("--socks4", "localhost")])
def test_curl(server, http_server, flag, host):
    p = subprocess.run([tool("curl"), "-sS", "--max-time", "10", flag,
                        f"127.0.0.1:{server.port}", f"http://{host}:{http_server}/"],
                       capture_output=True, timeout=20)
    assert p.returncode == 0, p.stderr
    assert p.stdout == PAGE
    if flag == "--socks4a":  # curl sent the name; the server resolved it
        server.wait_line(r"CONNECT localhost\(127\.0\.0\.1\):\d+ reply=90")


def test_curl_refused_destination(server):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.run([tool("curl"), "-sS", "--max-time", "10", "--socks4",
                        f"127.0.0.1:{server.port}", f"http://127.0.0.1:{port}/"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 97  # CURLE_PROXY: curl read our 91
    assert "91" in p.stderr or "rejected" in p.stderr.lower(), p.stderr


@pytest.mark.parametrize("kind,host", [("SOCKS4", "127.0.0.1"), ("SOCKS4A", "localhost")])
def test_socat(server, echo, kind, host):
    addr = f"{kind}:127.0.0.1:{host}:{echo.port},socksport={server.port},socksuser=socat"
    p = subprocess.run([tool("socat"), "-T", "5", "-", addr], input=b"through socat\n",
                       capture_output=True, timeout=20)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"through socat\n"
    server.wait_line(r'user="socat" CONNECT')


@pytest.mark.parametrize("rdns,host", [(False, "127.0.0.1"), (True, "localhost")])
def test_pysocks(server, echo, rdns, host):
    try:
        import socks  # python3-socks
    except ImportError:
        pytest.fail("python3-socks is not installed (ci/deps.sh installs it)")
    s = socks.socksocket()
    s.set_proxy(socks.SOCKS4, "127.0.0.1", server.port, rdns=rdns, username="pysocks")
    s.settimeout(10)
    s.connect((host, echo.port))
    s.sendall(b"via PySocks")
    assert s.recv(64) == b"via PySocks"
    s.close()
    if rdns:
        server.wait_line(r'user="pysocks" CONNECT localhost\(127\.0\.0\.1\)')


def test_pysocks_sees_rejection(server):
    import socks
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    s = socks.socksocket()
    s.set_proxy(socks.SOCKS4, "127.0.0.1", server.port)
    s.settimeout(10)
    with pytest.raises(socks.GeneralProxyError) as e:
        s.connect(("127.0.0.1", port))
    assert "0x5b" in str(e.value) or "rejected" in str(e.value).lower()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""broken_server.py - a small threaded SOCKS4/SOCKS4a server that breaks on purpose.

Written from the protocol texts (../shared/spec) and nothing else: it shares no code
with ref-server/ or lib/, so running socks4-test against it cross-checks the runner
against a second implementation. By default it is CORRECT; each --misbehave NAME adds
exactly one defect that the spec forbids (MISBEHAVIOURS lists them with the requirement
they break), so the tests can show that every conformance case fails when it should.

    broken_server.py [--listen HOST:PORT] [--deny-user U] [--identd off|strict|lenient]
                     [--identd-port N] [--handshake-timeout S] [--bind-timeout S]
                     [--no-4a] [--misbehave NAME]... [-v]
                     [--die-on-userid PREFIX [--die-how exit|abort|segv|hang]]

It prints "broken-server: listening on HOST:PORT" on stderr and serves until SIGTERM or
SIGINT. For socks4-test --exec, --die-on-userid PREFIX makes the whole process end (or
hang) once a request whose USERID starts with PREFIX has been read: --die-how exit (status
3), abort (SIGABRT), segv (SIGSEGV) or hang (every session, this one and later ones, waits
for ever: alive, and no longer serving). It says so on stderr first, with a Python-style
traceback for exit, so the runner's crash signature has something to read. As a module: BrokenServer(**options).start(), .address, .stop().

What it does (the step numbers are the ones of session()):
  1. reads the request from the stream: 8-octet header, USERID to its NUL (at most 255
     octets), and for 0.0.0.x (x != 0) the hostname to its NUL (at most 255), all
     within the handshake timeout; bytes behind the request stay queued for the relay;
  2. VN must be 4 and CD 1 or 2, else 91 and close;
  3. policy: a denied USERID gets 91; with identd on, it asks identd on the client's
     host ("<client port> , <server port>") and answers 93 on another user, 92 in
     strict mode when identd cannot tell (--identd-first: identd before the rule);
  4. CONNECT: resolves (4a) and connects, and only then answers 90; 91 and close on
     any failure. Destinations outside 127.0.0.0/8 fail like an unreachable network,
     so these tests never leave loopback;
  5. BIND: listens on the address the client reached, answers 90 with that address,
     accepts one connection within the BIND timeout, compares the peer's address with
     DSTIP (the resolved one for 4a), then 90 and relay, or 91 and close both;
  6. relays both ways, passing end of file on each way separately (half-close).
"""
import argparse
import errno
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

USERID_MAX = 255  # S4-ROBUST-1: over this, 91
HOST_MAX = 255    # S4A-12
IDENT_LINE_MAX = 1000  # RFC 1413: a client may give up after 1000 characters
DRAIN_SECONDS = 1.0    # after a refusal: read what the client still sends, then close
KEEP_OPEN_SECONDS = 30.0  # the "no close" misbehaviours hold the connection this long

# name -> the defect, and the requirement (../shared/spec/REQUIREMENTS.md) it breaks.
MISBEHAVIOURS = {
    # the reply itself
    "reply-7-bytes": "every reply is 7 octets, the last DSTIP octet missing (S4-REPLY-1)",
    "vn4-granted": "the 90 for a CONNECT has VN=4 (S4-REPLY-2, B1)",
    "vn4-rejected": "the 91 for a failed connect has VN=4 (S4-REPLY-2, B1)",
    "vn4-bind": "the first BIND reply has VN=4 (S4-REPLY-2, S4-BIND-4)",
    "vn4-bind-second": "the second BIND reply has VN=4 (S4-REPLY-2, S4-BIND-4)",
    "vn4-ident": "92/93 built from the request: VN=4, its DSTPORT/DSTIP (S4-IDENT-8)",
    "vn-echo-refusals": "refusals are sent from the request: VN as received (CSTC's "
                        "SendDst) (S4-REPLY-2)",
    "reply-cd-errno": "a failed connect answers CD=errno, not 91 (S4-REPLY-3)",
    # CONNECT
    "early-grant": "90 before the name is resolved and the connect is done; close on "
                   "failure (S4-CONNECT-3, B2)",
    "lazy-connect": "90 at once; connects only when the client sends its first byte "
                    "(S4-CONNECT-2/3)",
    "duplicate-grant": "the 90 of a CONNECT is sent twice (S4-REPLY-9, Indy#456)",
    "deny-silent-close": "a denied request is closed without a reply (S4-CONNECT-4, B3)",
    "no-close-after-deny": "the connection stays open after the 91 for a denied "
                           "request (S4-CONNECT-5)",
    "no-close-after-failure": "the connection stays open after the 91 for a failed "
                              "connect (S4-CONNECT-5)",
    "alternate-no-close-after-deny": "every other denied request's connection stays open "
                                     "after its 91: a flaky server (S4-CONNECT-5)",
    "refuse-connects": "every CONNECT gets 91, as under a policy that refuses the runner's "
                       "destinations (Tor's for private addresses): the surroundings, one "
                       "preflight verdict (issue 21)",
    "dstport-little-endian": "DSTPORT is read little-endian (S4-REQ-5)",
    # the request
    "any-vn": "VN is not checked (S4-REQ-2, S4-REQ-7)",
    "any-cd": "an unknown CD is taken as CONNECT (S4-REQ-3, S4-REQ-7)",
    "refusal-no-close": "the connection stays open after the 91 for a bad VN or CD "
                        "(S4-REQ-7)",
    "zero-ip-is-4a": "DSTIP 0.0.0.0 is taken as the 4a marker (S4A-8, B8)",
    "userid-min-2": "the NUL that ends USERID is looked for from its third octet on "
                    "(S4-REQ-6, B4)",
    "userid-truncate-127": "after 127 octets USERID is taken as complete; the rest is "
                           "relayed (S4-ROBUST-1, B6)",
    "no-userid-limit": "USERID is read without a length limit (S4-ROBUST-1)",
    "userid-space-ends": "a blank ends USERID; the rest is relayed (S4-REQ-6, B5)",
    "signed-char-userid": "octets >= 0x80 end USERID like the NUL (signed char) (S4-REQ-6)",
    "one-recv": "the request is parsed from one recv(): a missing NUL is taken to be at "
                "the end of what came (S4-ROBUST-2/5, B7)",
    "drop-early-data": "bytes that came behind the request are dropped (S4-CONNECT-8)",
    # the relay
    "one-way-relay": "nothing is relayed from the destination to the client "
                     "(S4-CONNECT-6)",
    "relay-iac-double": "octet 0xff is doubled on its way to the client (S4-CONNECT-7)",
    "no-eof-to-destination": "the client's end of file is not passed on (S4-CONNECT-7)",
    "no-eof-to-client": "the destination's end of file is not passed on (S4-CONNECT-7)",
    "client-first": "the destination's bytes are relayed only once the client has sent "
                    "one (S4-CONNECT-6, S4-BIND-12)",
    "dest-reset-ignored": "a reset by the destination leaves the client's connection "
                          "open (S4-CONNECT-7)",
    "client-reset-ignored": "a reset by the client leaves the destination's connection "
                            "open (S4-CONNECT-7)",
    # BIND
    "bind-closed-port": "the first BIND reply names a port nothing listens on "
                        "(S4-BIND-5/7)",
    "bind-no-second-reply": "on a match the relay starts with no second reply "
                            "(S4-BIND-8/11)",
    "bind-no-source-check": "the inbound peer is not checked against DSTIP (S4-BIND-9, B11)",
    "bind-mismatch-keeps-peer": "after the second 91 the inbound connection stays open "
                                "(S4-BIND-10)",
    "bind-accept-many": "the BIND socket keeps accepting; every peer is relayed "
                        "(S4-BIND-15)",
    "bind-early-relay": "the peer's first bytes reach the client before the second "
                        "reply (S4-BIND-16)",
    "bind-no-timer": "the inbound connection is waited for without a limit (S4-TIMER-1/2)",
    "bind-4a-literal-check": "a 4a BIND compares the peer with 0.0.0.x, not the name's "
                             "address (S4A-11)",
    # SOCKS4a
    "4a-literal-refused": "a hostname that is an IP literal gets 91 (S4A-14)",
    "4a-marker-only-1": "only 0.0.0.1 is taken as the 4a marker (S4A-4)",
    "4a-no-resolve": "hostnames are not resolved, only IP literals work (S4A-6)",
    "4a-empty-name-local": "an empty hostname goes to the resolver as 'no name', which "
                           "is this host (S4A-13)",
    "hostname-overflow-crash": "a hostname of 255 octets or more crashes the server "
                               "(S4A-12, S4-ROBUST-1)",
    "no4a-no-close": "without 4a, the connection stays open after the 91 for 0.0.0.x "
                     "(S4A-9, S4-CONNECT-5)",
    # identd
    "ident-ports-swapped": "the identd query names the server's port first (S4-IDENT-5, "
                           "B15)",
    "ident-keeps-cr": "the user-id from identd keeps the line's CR (S4-IDENT-6)",
    "ident-ignores-userid": "identd's user-id is not compared with USERID (S4-IDENT-3)",
    "no-close-after-93": "the connection stays open after a 93 (S4-CONNECT-5)",
    "ident-casefold": "USERID and identd's user-id are compared ignoring case "
                      "(S4-IDENT-6)",
    "ident-split-exact": "identd's answer is split at ' : ' exactly; blanks stay in the "
                         "user-id (S4-IDENT-6)",
    "ident-error-granted": "strict mode grants when identd answers ERROR (S4-IDENT-2/6)",
    "ident-close-93": "identd closing without an answer gives 93, not 92 (S4-IDENT-6)",
    "ident-no-timeout": "identd's answer is waited for without a limit (S4-IDENT-7)",
    "ident-lenient-as-strict": "lenient mode answers 92 when identd cannot tell "
                               "(S4-IDENT-4)",
    # robustness
    "no-handshake-timeout": "no time limit on the request (S4-ROBUST-3, B13)",
    "serial-accept": "one client at a time: the accept loop runs each session itself "
                     "(S4-ROBUST-3, B13)",
    "max-8-sessions": "at most 8 sessions at once; the ninth client gets 91 (S4-CONNECT-6)",
    "crash-on-client-reset": "a reset by the client kills the server (S4-ROBUST-4)",
    "crash-on-long-userid": "a USERID over 255 octets kills the server (S4-ROBUST-1)",
    "bind-silent-close": "without BIND, a BIND request is closed without a reply "
                         "(S4-BIND-4, S4-CONNECT-4)",
    "crash-on-4a": "a request to 0.0.0.x (the SOCKS4a marker) kills the server, before "
                   "its hostname is read (S4A-9, S4-ROBUST-4)",
}

GRANTED, REJECTED, NO_IDENTD, IDENT_MISMATCH = 90, 91, 92, 93


class Refused(Exception):
    """The session ends with this reply code; `kind` names the path (for misbehaviours)."""

    def __init__(self, code, kind, why):
        super().__init__(why)
        self.code, self.kind = code, kind


class ClientGone(Exception):
    """End of file, a reset, or the handshake time ran out while reading the request."""


class Crash(Exception):
    """A misbehaviour that takes the whole server down."""


class Stream:
    """Reads a socket through a buffer with a deadline: what was read beyond the
    request stays in .buf for the relay (S4-CONNECT-8)."""

    def __init__(self, sock, on_reset):
        self.sock, self.buf, self.on_reset = sock, bytearray(), on_reset

    def fill(self, deadline, size=4096):
        if deadline is None:
            self.sock.settimeout(None)
        else:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ClientGone("handshake timeout")
            self.sock.settimeout(left)
        try:
            data = self.sock.recv(size)
        except socket.timeout:
            raise ClientGone("handshake timeout")
        except OSError as e:
            self.on_reset(e)
            raise ClientGone(f"read: {e}")
        if not data:
            raise ClientGone("end of file in the request")
        self.buf += data

    def exact(self, n, deadline):
        while len(self.buf) < n:
            self.fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def byte(self, deadline):
        return self.exact(1, deadline)[0]

    def until_nul(self, deadline):
        """Everything up to the next NUL, which is consumed too: found with find() in
        64 KiB reads, so that a megabyte of USERID costs the server milliseconds and
        the flood is judged on the server's limit, not on Python's speed."""
        out = bytearray()
        while True:
            i = self.buf.find(0)
            if i >= 0:
                out += self.buf[:i]
                del self.buf[:i + 1]
                return bytes(out)
            out += self.buf
            self.buf.clear()
            self.fill(deadline, 65536)

    def rest(self):
        out = bytes(self.buf)
        self.buf.clear()
        return out


def is_4a_marker(ip, mis):
    if "zero-ip-is-4a" in mis and ip == b"\0\0\0\0":
        return True
    if "4a-marker-only-1" in mis:
        return ip == b"\0\0\0\x01"
    return ip[:3] == b"\0\0\0" and ip[3] != 0


def is_ip_literal(name):
    try:
        socket.inet_pton(socket.AF_INET, name)
        return True
    except OSError:
        return False


def drain(sock, seconds, limit=1 << 20):
    """Reads and drops what the peer sends until end of file, the time or the limit."""
    deadline = time.monotonic() + seconds
    got = 0
    try:
        while got < limit:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            sock.settimeout(left)
            data = sock.recv(65536)
            if not data:
                return
            got += len(data)
    except OSError:
        return


def close_quietly(*socks):
    for s in socks:
        if s is not None:
            try:
                s.close()
            except OSError:
                pass


def shutdown_quietly(sock, how):
    try:
        sock.shutdown(how)
    except OSError:
        pass


class Request:
    def __init__(self, vn, cd, port, ip, userid, host):
        self.vn, self.cd, self.port, self.ip, self.userid, self.host = (
            vn, cd, port, ip, userid, host)


class BrokenServer:
    def __init__(self, host="127.0.0.1", port=0, deny_users=(), identd="off",
                 identd_port=113, identd_timeout=10.0, handshake_timeout=30.0,
                 bind_timeout=120.0, connect_timeout=15.0, resolve_timeout=5.0,
                 socks4a=True, identd_first=False, quiet_refusals=False, timer_reply=False,
                 bind_any=False, misbehave=(), verbose=False, crash_exits=False,
                 bind=True, reply_delay=0.0, split_replies=False, split_pause=0.005,
                 reply_with_data=False,
                 reset_refusals=False, reset_drops_queued=False,
                 die_on_userid=None, die_how="exit"):
        unknown = set(misbehave) - set(MISBEHAVIOURS)
        if unknown:
            raise ValueError(f"unknown misbehaviour(s): {', '.join(sorted(unknown))}")
        if identd not in ("off", "strict", "lenient"):
            raise ValueError(f"identd mode {identd!r}: off, strict or lenient")
        self.deny_users = {u.encode() if isinstance(u, str) else u for u in deny_users}
        self.identd, self.identd_port, self.identd_timeout = identd, identd_port, identd_timeout
        self.handshake_timeout, self.bind_timeout = handshake_timeout, bind_timeout
        self.connect_timeout, self.resolve_timeout = connect_timeout, resolve_timeout
        self.socks4a, self.mis, self.verbose = socks4a, frozenset(misbehave), verbose
        # Choices the spec leaves open (each one as correct as the default):
        self.identd_first = identd_first      # identd before the deny rule
        self.quiet_refusals = quiet_refusals  # bad VN/CD, over-long fields: close, no 91
        self.timer_reply = timer_reply        # BIND timer: 91 before the close
        self.bind_any = bind_any              # first BIND reply names 0.0.0.0
        self.crash_exits = crash_exits
        self.bind = bind  # BIND served (else refused with 91)
        # What TCP allows (each as correct as the default):
        self.reply_delay = reply_delay            # a slow server: this long before a reply
        self.split_replies = split_replies        # each reply in 8 writes (8 segments)
        self.split_pause = split_pause            # seconds between those writes
        self.reply_with_data = reply_with_data    # 90 and the destination's first bytes
        #                                           in one write (one segment)
        self.reset_refusals = reset_refusals      # a reset, not a FIN, after a refusal
        self.reset_drops_queued = reset_drops_queued  # a client's reset drops what it
        #                                           sent just before (RFC 9293 3.10.7.3)
        self.die_on_userid, self.die_how = die_on_userid, die_how
        self._hung = threading.Event()  # --die-how hang: set once, never cleared
        self.lsock = socket.create_server((host, port), backlog=128)
        self.address = self.lsock.getsockname()[:2]
        self.port = self.address[1]
        self._open = set()  # every socket alive, closed by stop()
        self._lock = threading.Lock()
        self._stopping = False
        self._thread = None
        self._session = threading.local()  # the request's VN, for "vn-echo-refusals"

    # ---- life cycle -------------------------------------------------------------

    def start(self):
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        with self._lock:
            self._stopping = True
            socks = list(self._open)
        shutdown_quietly(self.lsock, socket.SHUT_RDWR)
        close_quietly(self.lsock)
        for s in socks:
            shutdown_quietly(s, socket.SHUT_RDWR)
            close_quietly(s)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self, msg):
        if self.verbose:
            print(f"broken-server: {msg}", file=sys.stderr, flush=True)

    def crash(self, why):
        print(f"broken-server: crashed ({why})", file=sys.stderr, flush=True)
        if self.crash_exits:
            os._exit(70)
        self.stop()

    def track(self, sock):
        with self._lock:
            if self._stopping:
                close_quietly(sock)
                raise ClientGone("stopping")
            self._open.add(sock)
        return sock

    def untrack_close(self, *socks):
        with self._lock:
            for s in socks:
                self._open.discard(s)
        close_quietly(*socks)

    def _accept_loop(self):
        while True:
            try:
                conn, _ = self.lsock.accept()
            except OSError:
                return
            if "serial-accept" in self.mis:
                self._session_guarded(conn)
            else:
                threading.Thread(target=self._session_guarded, args=(conn,),
                                 daemon=True).start()

    def _session_guarded(self, conn):
        if "max-8-sessions" in self.mis:
            with self._lock:
                self._sessions = getattr(self, "_sessions", 0) + 1
                over = self._sessions > 8
            try:
                if over:
                    conn.sendall(struct.pack("!BBH", 0, REJECTED, 0) + b"\0\0\0\0")
                    close_quietly(conn)
                    return
                return self._session_counted(conn)
            finally:
                with self._lock:
                    self._sessions -= 1
        return self._session_counted(conn)

    def _session_counted(self, conn):
        try:
            self.track(conn)
            self.session(conn)
        except Crash as e:
            self.crash(str(e))
        except (ClientGone, OSError) as e:
            self.log(f"session ended: {e}")
            self.untrack_close(conn)
        except Exception as e:  # a bug here must not take the server down
            print(f"broken-server: session error: {e!r}", file=sys.stderr, flush=True)
            self.untrack_close(conn)

    # ---- replies -------------------------------------------------------------------

    # which reply kind a "vn4-*" misbehaviour sends with VN=4
    VN4 = {"grant": "vn4-granted", "connect-failed": "vn4-rejected",
           "bind-first": "vn4-bind", "bind-second": "vn4-bind-second"}

    def reply(self, sock, cd, kind, port=0, ip=b"\0\0\0\0", req=None):
        """Sends one 8-octet reply: VN=0, CD, DSTPORT, DSTIP (S4-REPLY-1/2)."""
        vn = 4 if self.VN4.get(kind) in self.mis else 0
        if kind == "ident" and "vn4-ident" in self.mis:
            vn, port, ip = 4, req.port, req.ip  # CSTC's SendDst(in, &dst) bug
        if "vn-echo-refusals" in self.mis and cd != GRANTED:
            vn = getattr(self._session, "vn", 4)
        out = struct.pack("!BBH", vn, cd, port) + ip
        if "reply-7-bytes" in self.mis:
            out = out[:7]
        if self.reply_delay:
            time.sleep(self.reply_delay)
        try:
            if self.split_replies:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for i in range(len(out)):
                    sock.sendall(out[i:i + 1])
                    time.sleep(self.split_pause)
            elif self.reply_with_data and kind == "grant" and cd == GRANTED:
                self._session.pending_reply = out  # sent with the destination's first bytes
            else:
                sock.sendall(out)
        except OSError as e:
            self.client_reset(e)
            raise ClientGone(f"reply: {e}")

    def refuse(self, sock, code, kind, req=None):
        """Answers a refusal, then closes: at once, or never for the 'no close'
        misbehaviours. What the client still sends is read and dropped so that the
        close is a FIN, not a reset that could destroy the reply."""
        silent = ((kind == "denied" and "deny-silent-close" in self.mis) or
                  (kind in ("malformed", "limit") and self.quiet_refusals))
        if not silent:
            self.reply(sock, code, kind, req=req)
        keep_open = ((kind == "connect-failed" and "no-close-after-failure" in self.mis) or
                     (kind == "denied" and "no-close-after-deny" in self.mis) or
                     (kind == "denied" and "alternate-no-close-after-deny" in self.mis and
                      self._next_denial() % 2 == 1) or
                     (kind == "malformed" and "refusal-no-close" in self.mis) or
                     (kind == "no-4a" and "no4a-no-close" in self.mis) or
                     (kind == "ident" and code == IDENT_MISMATCH and
                      "no-close-after-93" in self.mis))
        if keep_open:
            drain(sock, KEEP_OPEN_SECONDS, limit=1 << 30)
        elif self.reset_refusals:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            shutdown_quietly(sock, socket.SHUT_WR)
            drain(sock, DRAIN_SECONDS)
        self.untrack_close(sock)

    def _next_denial(self):
        with self._lock:
            self._denials = getattr(self, "_denials", 0) + 1
            return self._denials

    def client_reset(self, err):
        """A read or write on the client's connection failed."""
        if "crash-on-client-reset" in self.mis and isinstance(
                err, (ConnectionResetError, BrokenPipeError)):
            raise Crash(f"client reset: {err}")

    # ---- step 1: the request --------------------------------------------------------

    def read_request(self, conn, stream):
        deadline = None
        if "no-handshake-timeout" not in self.mis:
            deadline = time.monotonic() + self.handshake_timeout
        if "one-recv" in self.mis:
            return self.read_request_one_recv(stream, deadline)
        vn, cd, port, ip = self.parse_header(stream.exact(8, deadline))
        if self.die_on_userid is not None:  # what kills it is the USERID, whatever CD says
            userid = self.read_userid(stream, deadline)
            self.die_if_asked(userid)
            self.check_command(vn, cd)
        else:
            self.check_command(vn, cd)
            userid = self.read_userid(stream, deadline)
        host = None
        if is_4a_marker(ip, self.mis):
            if "crash-on-4a" in self.mis:
                raise Crash("0.0.0.x: a hostname read into a NULL buffer")
            if not self.socks4a:  # S4A-9: plain SOCKS4 refuses 0.0.0.x at once
                raise Refused(REJECTED, "no-4a", "0.0.0.x without SOCKS4a")
            host = self.read_hostname(stream, deadline)
        return Request(vn, cd, port, ip, userid, host)

    def parse_header(self, head):
        vn, cd, port = struct.unpack("!BBH", head[:4])
        self._session.vn = vn
        if "dstport-little-endian" in self.mis:
            port = struct.unpack("<H", head[2:4])[0]
        return vn, cd, port, head[4:8]

    def check_command(self, vn, cd):
        if vn != 4 and "any-vn" not in self.mis:
            raise Refused(REJECTED, "malformed", f"VN {vn}")
        if cd not in (1, 2) and "any-cd" not in self.mis:
            raise Refused(REJECTED, "malformed", f"CD {cd}")

    def read_userid(self, stream, deadline):
        """USERID up to its NUL, consumed exactly; over USERID_MAX octets: 91."""
        quirks = ("userid-min-2", "userid-space-ends", "signed-char-userid",
                  "userid-truncate-127", "crash-on-long-userid")
        if "no-userid-limit" in self.mis and not any(q in self.mis for q in quirks):
            return stream.until_nul(deadline)  # no limit, no quirk: only the NUL ends it
        out = bytearray()
        while True:
            b = stream.byte(deadline)
            scanning = len(out) >= 2 or "userid-min-2" not in self.mis
            if scanning and (b == 0 or (b == 0x20 and "userid-space-ends" in self.mis) or
                             (b >= 0x80 and "signed-char-userid" in self.mis)):
                return bytes(out)
            out.append(b)
            if len(out) == 127 and "userid-truncate-127" in self.mis:
                return bytes(out)  # CSTC's NAMELEN 128: the rest stays in the stream
            if len(out) > USERID_MAX and "crash-on-long-userid" in self.mis:
                raise Crash("USERID overflowed a 256-octet buffer")
            if len(out) > USERID_MAX and "no-userid-limit" not in self.mis:
                raise Refused(REJECTED, "limit", "USERID over 255 octets")

    def read_hostname(self, stream, deadline):
        out = bytearray()
        while True:
            b = stream.byte(deadline)
            if b == 0:
                return bytes(out)
            out.append(b)
            if len(out) >= 255 and "hostname-overflow-crash" in self.mis:
                raise Crash("hostname overflowed a 255-octet buffer")
            if len(out) > HOST_MAX:
                raise Refused(REJECTED, "limit", "hostname over 255 octets")

    def read_request_one_recv(self, stream, deadline):
        """B7: whatever the first recv() brought is the request."""
        stream.fill(deadline, size=65536)
        data = stream.rest()
        if len(data) < 8:
            raise Refused(REJECTED, "malformed", f"a {len(data)}-octet request")
        vn, cd, port, ip = self.parse_header(data[:8])
        self.check_command(vn, cd)
        rest = data[8:]
        userid, _, rest = rest.partition(b"\0")
        host = None
        if is_4a_marker(ip, self.mis):
            if "crash-on-4a" in self.mis:
                raise Crash("0.0.0.x: a hostname read into a NULL buffer")
            if not self.socks4a:
                raise Refused(REJECTED, "no-4a", "0.0.0.x without SOCKS4a")
            host, _, rest = rest.partition(b"\0")
        if len(userid) > USERID_MAX or (host is not None and len(host) > HOST_MAX):
            raise Refused(REJECTED, "limit", "USERID or hostname over 255 octets")
        stream.buf += rest
        return Request(vn, cd, port, ip, userid, host)

    # ---- step 3: policy and identd -------------------------------------------------

    def ident_verdict(self, conn, userid):
        """'match', 'mismatch', 'unknown' (no answer, ERROR, garbage) or 'error'
        (identd answered ERROR)."""
        client_ip, client_port = conn.getpeername()[:2]
        server_ip, server_port = conn.getsockname()[:2]
        first, second = client_port, server_port  # RFC 1413: port on the identd host first
        if "ident-ports-swapped" in self.mis:
            first, second = second, first
        deadline = None
        if "ident-no-timeout" not in self.mis:
            deadline = time.monotonic() + self.identd_timeout
        q = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.track(q)
            q.settimeout(self.identd_timeout)
            q.bind((server_ip, 0))
            q.connect((client_ip, self.identd_port))
            q.sendall(f"{first} , {second}\r\n".encode())
            line = b""
            while b"\n" not in line and len(line) < IDENT_LINE_MAX:
                q.settimeout(None if deadline is None else max(0.001, deadline - time.monotonic()))
                data = q.recv(1024)
                if not data:
                    break
                line += data
        except OSError as e:
            self.log(f"identd: {e}")
            return "unknown"
        finally:
            self.untrack_close(q)
        if b"\n" not in line:  # a premature close counts as ERROR : UNKNOWN-ERROR
            return "mismatch" if "ident-close-93" in self.mis else "unknown"
        line = line.split(b"\n", 1)[0]
        line = line if "ident-keeps-cr" in self.mis else line.rstrip(b"\r")
        if "ident-split-exact" in self.mis:
            fields = line.split(b" : ", 3)
            answer = fields[3] if len(fields) == 4 else None
            kind = fields[1] if len(fields) > 1 else b""
        else:
            fields = line.split(b":", 3)
            kind = fields[1].strip(b" \t") if len(fields) > 1 else b""
            answer = fields[3].strip(b" \t") if len(fields) == 4 else None
        if kind.upper() == b"ERROR":
            return "error"
        if kind.upper() != b"USERID" or answer is None:
            return "unknown"
        same = answer == userid
        if "ident-casefold" in self.mis:
            same = answer.lower() == userid.lower()
        return "match" if same or "ident-ignores-userid" in self.mis else "mismatch"

    def check_policy(self, conn, req):
        if not self.identd_first:
            self.check_rules(req)
        self.check_identd(conn, req)
        if self.identd_first:
            self.check_rules(req)

    def check_rules(self, req):
        if req.userid in self.deny_users:
            raise Refused(REJECTED, "denied", "USERID denied")

    def check_identd(self, conn, req):
        if self.identd == "off":
            return
        verdict = self.ident_verdict(conn, req.userid)
        self.log(f"identd: {verdict}")
        if verdict == "mismatch":
            raise Refused(IDENT_MISMATCH, "ident", "identd names another user")
        if verdict in ("unknown", "error"):
            strict = self.identd == "strict" or "ident-lenient-as-strict" in self.mis
            if verdict == "error" and "ident-error-granted" in self.mis:
                strict = False
            if strict:
                raise Refused(NO_IDENTD, "ident", "identd cannot tell")

    # ---- step 4 and 5: the destination -------------------------------------------

    def resolve(self, name):
        """A 4a name to an IPv4 address within the resolve timeout, or None."""
        if name == b"" and "4a-empty-name-local" not in self.mis:
            return None
        try:
            text = name.decode("ascii")
        except UnicodeDecodeError:
            return None
        literal = is_ip_literal(text)
        if literal and "4a-literal-refused" in self.mis:
            return None
        if not literal and "4a-no-resolve" in self.mis:
            return None
        result = []

        def lookup():
            try:
                infos = socket.getaddrinfo(text or None, 0, socket.AF_INET,
                                           socket.SOCK_STREAM)
                result.append(infos[0][4][0])
            except Exception:  # gaierror, and UnicodeError for over-long labels
                pass

        t = threading.Thread(target=lookup, daemon=True)
        t.start()
        t.join(self.resolve_timeout)
        return result[0] if result else None

    def destination(self, req):
        """The IPv4 address (text) the request names, or None."""
        if req.host is not None:
            return self.resolve(req.host)
        return socket.inet_ntoa(req.ip)

    def dial(self, addr, port):
        """Connects to addr:port; returns the socket or raises OSError."""
        if addr is None:
            raise OSError(errno.EHOSTUNREACH, "name does not resolve")
        if not addr.startswith("127."):  # these tests stay on loopback
            raise OSError(errno.ENETUNREACH, "not a loopback destination")
        s = socket.create_connection((addr, port), timeout=self.connect_timeout)
        s.settimeout(None)
        return s

    def do_connect(self, conn, stream, req):
        if "refuse-connects" in self.mis:
            raise Refused(REJECTED, "connect-failed", "policy: no CONNECT anywhere")
        if "early-grant" in self.mis:
            self.reply(conn, GRANTED, "grant")
            try:
                dst = self.track(self.dial(self.destination(req), req.port))
            except OSError:
                self.untrack_close(conn)
                return
        elif "lazy-connect" in self.mis:
            self.reply(conn, GRANTED, "grant")
            if not stream.buf:
                stream.fill(None)  # the client's first byte
            try:
                dst = self.track(self.dial(self.destination(req), req.port))
            except OSError:
                self.untrack_close(conn)
                return
        else:
            addr = self.destination(req)
            if addr is None:
                raise Refused(REJECTED, "resolve-failed", "hostname does not resolve")
            try:
                dst = self.track(self.dial(addr, req.port))
            except OSError as e:
                code = REJECTED
                if "reply-cd-errno" in self.mis:
                    code = (e.errno or errno.EIO) & 0xff
                raise Refused(code, "connect-failed", f"connect: {e}")
            try:
                self.reply(conn, GRANTED, "grant")
                if "duplicate-grant" in self.mis:
                    self.reply(conn, GRANTED, "grant")
            except (ClientGone, Crash):
                self.untrack_close(dst)
                raise
        early = stream.rest()
        if "drop-early-data" in self.mis:
            early = b""
        pending = getattr(self._session, "pending_reply", None)
        if pending is not None:
            self._session.pending_reply = None
            # The 90 goes out in one write with what the destination says within
            # 50 ms (a banner), or alone.
            ready, _, _ = select.select([dst], [], [], 0.05)
            first = dst.recv(65536) if ready else b""
            conn.sendall(pending + first)
        self.relay(conn, dst, early)

    def do_bind(self, conn, stream, req):
        if req.host is not None and "bind-4a-literal-check" not in self.mis:
            expected = self.resolve(req.host)
            if expected is None:
                raise Refused(REJECTED, "resolve-failed", "hostname does not resolve")
        else:
            expected = socket.inet_ntoa(req.ip)
        here = conn.getsockname()[0]
        lst = self.track(socket.create_server((here, 0), backlog=1))
        port = lst.getsockname()[1]
        if "bind-closed-port" in self.mis:
            with socket.create_server((here, 0)) as other:
                port = other.getsockname()[1]  # closed when the block ends
        peer = None
        try:
            self.reply(conn, GRANTED, "bind-first", port,
                       b"\0\0\0\0" if self.bind_any else socket.inet_aton(here))
            peer, pending = self.bind_wait(conn, lst)
        finally:
            if "bind-accept-many" not in self.mis or peer is None:
                self.untrack_close(lst)
        if peer is None:  # S4-TIMER-2: the time is up (or the client left): close
            if self.timer_reply:
                self.refuse(conn, REJECTED, "bind-timer")
            else:
                self.untrack_close(conn)
            return
        peer_ip, peer_port = peer.getpeername()[:2]
        if peer_ip != expected and "bind-no-source-check" not in self.mis:
            try:
                self.reply(conn, REJECTED, "bind-second", peer_port,
                           socket.inet_aton(peer_ip))
            except ClientGone:
                pass
            if "bind-mismatch-keeps-peer" not in self.mis:
                shutdown_quietly(peer, socket.SHUT_RDWR)
                self.untrack_close(peer)
            shutdown_quietly(conn, socket.SHUT_WR)
            drain(conn, DRAIN_SECONDS)
            self.untrack_close(conn)
            return
        if "bind-early-relay" in self.mis:
            ready, _, _ = select.select([peer], [], [], 0.3)
            if ready:
                data = peer.recv(65536)
                if data:
                    conn.sendall(data)
        if "bind-no-second-reply" not in self.mis:
            try:
                self.reply(conn, GRANTED, "bind-second", peer_port,
                           socket.inet_aton(peer_ip))
            except (ClientGone, Crash):
                self.untrack_close(peer)
                raise
        if "bind-accept-many" in self.mis:
            threading.Thread(target=self.accept_more, args=(lst, conn), daemon=True).start()
        self.relay(conn, peer, stream.rest() + pending)

    def bind_wait(self, conn, lst):
        """Accepts one inbound connection within the BIND timeout. Bytes the client
        sends meanwhile are kept for the relay; its end of file gives up."""
        deadline = None
        if "bind-no-timer" not in self.mis:
            deadline = time.monotonic() + self.bind_timeout
        pending = b""
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None, pending
            ready, _, _ = select.select([lst, conn], [], [], left)
            if lst in ready:
                peer, _ = lst.accept()
                return self.track(peer), pending
            if conn in ready:
                try:
                    data = conn.recv(65536)
                except OSError as e:
                    self.client_reset(e)
                    data = b""
                if not data:
                    return None, pending
                pending += data

    def accept_more(self, lst, conn):
        """bind-accept-many: later peers are relayed to the client too."""
        while True:
            try:
                extra, _ = lst.accept()
            except OSError:
                return
            self.track(extra)
            threading.Thread(target=self.pump, args=(extra, conn, b"", "extra", None),
                             daemon=True).start()

    # ---- step 6: the relay -------------------------------------------------------

    def relay(self, conn, dst, early):
        """Two pumps, one per direction; each passes its end of file on by shutting
        the other side's write half; a reset ends both. The session closes both
        sockets when both pumps are done."""
        conn.settimeout(None)
        dst.settimeout(None)
        one_way = "one-way-relay" in self.mis
        state = {"left": 1 if one_way else 2, "client_spoke": threading.Event()}
        if early:
            state["client_spoke"].set()
        up = threading.Thread(target=self.pump, args=(conn, dst, early, "up", state),
                              daemon=True)
        up.start()
        if not one_way:
            self.pump(dst, conn, b"", "down", state)
        up.join()

    def pump(self, src, dst, first, way, state):
        try:
            self._pump(src, dst, first, way, state)
        except Crash as e:
            self.crash(str(e))

    def _pump(self, src, dst, first, way, state):
        ended = "error"
        try:
            if first:
                dst.sendall(first)
            if way == "down" and "client-first" in self.mis:
                state["client_spoke"].wait()
            while True:
                try:
                    data = src.recv(65536)
                except OSError as e:
                    if way == "up":
                        self.client_reset(e)
                    raise
                if not data:
                    ended = "eof"
                    break
                if way == "up" and self.reset_drops_queued:
                    # A reset right behind these bytes: they are dropped with it.
                    time.sleep(0.02)
                    try:
                        src.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        pass
                    except OSError as e:
                        self.client_reset(e)
                        raise
                if way == "up":
                    state["client_spoke"].set()
                if way == "down" and "relay-iac-double" in self.mis:
                    data = data.replace(b"\xff", b"\xff\xff")
                try:
                    dst.sendall(data)
                except OSError as e:
                    if way == "down":
                        self.client_reset(e)
                    raise
        except Crash:
            raise
        except OSError:
            ended = "error"
        if state is None:  # an extra BIND peer: it only ever adds bytes
            self.untrack_close(src)
            return
        if ended == "eof":
            if not ((way == "up" and "no-eof-to-destination" in self.mis) or
                    (way == "down" and "no-eof-to-client" in self.mis)):
                shutdown_quietly(dst, socket.SHUT_WR)
        elif not ((way == "down" and "dest-reset-ignored" in self.mis) or
                  (way == "up" and "client-reset-ignored" in self.mis)):
            shutdown_quietly(src, socket.SHUT_RDWR)
            shutdown_quietly(dst, socket.SHUT_RDWR)
        state["client_spoke"].set()  # a client-first 'down' pump must not wait forever
        with self._lock:
            state["left"] -= 1
            last = state["left"] == 0
        if last:
            self.untrack_close(src, dst)

    # ---- --die-on-userid: a target that crashes on a chosen input ------------------

    def die_if_asked(self, userid):
        if not userid.startswith(self.die_on_userid):
            return
        print(f"broken-server: USERID {userid[:40]!r} starts with "
              f"{self.die_on_userid!r}: dying ({self.die_how})", file=sys.stderr, flush=True)
        if self.die_how == "exit":
            print("Traceback (most recent call last):\n"
                  f'  File "{__file__}", line 1, in die_if_asked\n'
                  "SystemExit: --die-on-userid", file=sys.stderr, flush=True)
            os._exit(3)
        if self.die_how == "abort":
            os.abort()
        if self.die_how == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        self._hung.set()
        self.hang_if_hung()

    def hang_if_hung(self):
        while self._hung.is_set():
            time.sleep(3600)

    # ---- the session -------------------------------------------------------------

    def session(self, conn):
        stream = Stream(conn, self.client_reset)
        req = None
        try:
            self.hang_if_hung()
            req = self.read_request(conn, stream)
            conn.settimeout(None)
            self.log(f"request VN={req.vn} CD={req.cd} port={req.port} "
                     f"ip={socket.inet_ntoa(req.ip)} userid={req.userid[:40]!r} "
                     f"host={None if req.host is None else req.host[:40]!r}")
            self.check_policy(conn, req)
            if req.cd == 2 and "bind-silent-close" in self.mis:
                raise ClientGone("BIND: closed without a reply")
            if req.cd == 2 and not self.bind:
                raise Refused(REJECTED, "malformed", "no BIND here")
            if req.cd == 2:
                self.do_bind(conn, stream, req)
            else:
                self.do_connect(conn, stream, req)  # any-cd: unknown CDs too
        except Refused as r:
            self.log(f"refused {r.code}: {r}")
            self.refuse(conn, r.code, r.kind, req)
        except ClientGone as e:
            self.log(f"client gone: {e}")
            self.untrack_close(conn)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="broken_server.py",
        description="A SOCKS4/SOCKS4a server for the conformance proofs: correct by "
                    "default, broken on request (--misbehave NAME, repeatable).")
    p.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (default 127.0.0.1:0)")
    p.add_argument("--deny-user", action="append", default=[], metavar="USER",
                   help="a USERID that gets 91 (repeatable)")
    p.add_argument("--identd", choices=("off", "strict", "lenient"), default="off")
    p.add_argument("--identd-port", type=int, default=113)
    p.add_argument("--identd-timeout", type=float, default=10.0, metavar="S")
    p.add_argument("--handshake-timeout", type=float, default=30.0, metavar="S")
    p.add_argument("--bind-timeout", type=float, default=120.0, metavar="S")
    p.add_argument("--connect-timeout", type=float, default=15.0, metavar="S")
    p.add_argument("--resolve-timeout", type=float, default=5.0, metavar="S")
    p.add_argument("--no-4a", action="store_true", help="plain SOCKS4: 0.0.0.x gets 91")
    p.add_argument("--no-bind", action="store_true", help="no BIND: a BIND gets 91")
    p.add_argument("--identd-first", action="store_true",
                   help="ask identd before applying --deny-user (the default is after)")
    p.add_argument("--quiet-refusals", action="store_true",
                   help="close without 91 on a bad VN/CD or an over-long field")
    p.add_argument("--timer-reply", action="store_true",
                   help="91 before closing when the BIND timer runs out")
    p.add_argument("--bind-any", action="store_true",
                   help="the first BIND reply names 0.0.0.0 (S4-BIND-6)")
    p.add_argument("--reply-delay", type=float, default=0.0, metavar="S",
                   help="wait S seconds before every reply (a slow server)")
    p.add_argument("--split-replies", action="store_true",
                   help="send each reply in 8 writes, one octet per segment")
    p.add_argument("--split-pause", type=float, default=0.005, metavar="S",
                   help="with --split-replies: seconds between the writes (default 0.005)")
    p.add_argument("--reply-with-data", action="store_true",
                   help="send a CONNECT's 90 in one write with the destination's first bytes")
    p.add_argument("--reset-refusals", action="store_true",
                   help="close with a reset (not a FIN) after a refusal")
    p.add_argument("--reset-drops-queued", action="store_true",
                   help="a client's reset drops the bytes it sent just before")
    p.add_argument("--misbehave", action="append", default=[], metavar="NAME",
                   help="add one defect (see --list-misbehaviours)")
    p.add_argument("--list-misbehaviours", action="store_true")
    p.add_argument("--die-on-userid", metavar="PREFIX",
                   help="end the process once a USERID starting with PREFIX is read")
    p.add_argument("--die-how", choices=("exit", "abort", "segv", "hang"), default="exit",
                   help="how --die-on-userid ends it (default exit, status 3)")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if a.list_misbehaviours:
        for name, what in MISBEHAVIOURS.items():
            print(f"{name:26} {what}")
        return 0
    host, _, port = a.listen.rpartition(":")
    try:
        srv = BrokenServer(host=host.strip("[]"), port=int(port), deny_users=a.deny_user,
                           identd=a.identd, identd_port=a.identd_port,
                           identd_timeout=a.identd_timeout,
                           handshake_timeout=a.handshake_timeout,
                           bind_timeout=a.bind_timeout, connect_timeout=a.connect_timeout,
                           resolve_timeout=a.resolve_timeout, socks4a=not a.no_4a, bind=not a.no_bind,
                           identd_first=a.identd_first, quiet_refusals=a.quiet_refusals,
                           timer_reply=a.timer_reply, bind_any=a.bind_any,
                           misbehave=a.misbehave, verbose=a.verbose, crash_exits=True,
                           reply_delay=a.reply_delay, split_replies=a.split_replies,
                           split_pause=a.split_pause,
                           reply_with_data=a.reply_with_data,
                           reset_refusals=a.reset_refusals,
                           reset_drops_queued=a.reset_drops_queued,

die_on_userid=(a.die_on_userid.encode()
                                          if a.die_on_userid is not None else None),
                           die_how=a.die_how)
    except (ValueError, OSError) as e:
        print(f"broken-server: {e}", file=sys.stderr)
        return 2
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    srv.start()
    print(f"broken-server: listening on {srv.address[0]}:{srv.port}", file=sys.stderr,
          flush=True)
    while not done.wait(0.5):
        pass
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

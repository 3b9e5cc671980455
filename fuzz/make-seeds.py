#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make-seeds.py - writes the hand-written seeds of corpus/<target>/.

    /usr/bin/python3 fuzz/make-seeds.py [CORPUS_DIR]     (default: corpus)

Each seed has a readable name and covers a request kind, a reply code, or a
boundary or malformation of the unit-test tables (tests/unit/test_*.c).
The files are committed; run this again after changing it. It writes only the
named seeds below: inputs found by fuzzing (named by their SHA-1) stay as they are.

Input layout per target (see the comment at the top of each fuzz/fuzz_*.c):
  request         one mode byte (bit 0: S4_PARSE_NO_4A, bits 1-7: split), then the bytes
  reply           one mode byte (split), then the bytes
  ident_query     the line as sent
  ident_response  the line as sent
  rules           a rules file (its last 14 bytes also make a query)
  session         one mode byte (bit 0 --no-4a, bit 1 rules, bit 2 dial refused), then
                  what the client sends
  dns             one mode byte (bit 0: an answer, else a query), then the message
"""
import os
import struct
import sys

NO_4A = 0x01
LOOP = (127, 0, 0, 1)


def request(vn=4, cd=1, port=80, ip=LOOP, userid=b"", unul=True, host=None, hnul=True,
            trailer=b"", mode=0):
    b = bytes([mode, vn, cd]) + struct.pack(">H", port) + bytes(ip) + userid
    if unul:
        b += b"\0"
    if host is not None:
        b += host + (b"\0" if hnul else b"")
    return b + trailer


def reply(cd=90, port=0, ip=(0, 0, 0, 0), vn=0, trailer=b"", mode=0):
    return bytes([mode, vn, cd]) + struct.pack(">H", port) + bytes(ip) + trailer


IP1 = (0, 0, 0, 1)

REQUESTS = {
    # the kinds
    "connect-userid-bob": request(userid=b"bob"),
    "bind-userid-alice": request(cd=2, port=21, ip=(10, 1, 2, 3), userid=b"alice"),
    "4a-connect-example.com": request(ip=IP1, userid=b"u", host=b"example.com"),
    "4a-bind-ftp.example": request(cd=2, port=21, ip=(0, 0, 0, 7), userid=b"u",
                                   host=b"ftp.example"),
    "4a-ip-0.0.0.255": request(port=443, ip=(0, 0, 0, 255), host=b"a"),
    "4a-hostname-ip-literal": request(ip=IP1, userid=b"u", host=b"127.0.0.1"),
    # command codes as read
    "cd-0": request(cd=0),
    "cd-3": request(cd=3),
    "cd-255": request(cd=255),
    # port and address
    "port-0": request(port=0, userid=b"u"),
    "port-1": request(port=1, userid=b"u"),
    "port-65535": request(port=65535, userid=b"u"),
    "port-0x1234": request(port=0x1234, ip=(1, 2, 3, 4), userid=b"u"),
    "ip-255.255.255.255": request(ip=(255, 255, 255, 255)),
    "ip-0.0.0.0-not-4a-trailing-host": request(ip=(0, 0, 0, 0), userid=b"u",
                                               trailer=b"host\0"),
    "ip-0.0.1.0-not-4a": request(ip=(0, 0, 1, 0), userid=b"u", trailer=b"host\0"),
    # USERID boundaries
    "userid-0": request(),
    "userid-1": request(userid=b"x"),
    "userid-255-limit": request(userid=b"x" * 255),
    "userid-256-over-limit": request(userid=b"x" * 256),
    "userid-300-over-limit": request(userid=b"x" * 300),
    "userid-high-bytes": request(userid=b"\x80\xff\xc3\xa9"),
    "userid-missing-nul-10": request(userid=b"x" * 10, unul=False),
    "userid-missing-nul-255": request(userid=b"x" * 255, unul=False),
    "userid-missing-nul-256": request(userid=b"x" * 256, unul=False),
    # 4a hostname boundaries
    "4a-hostname-0-empty": request(ip=IP1, userid=b"u", host=b""),
    "4a-hostname-1": request(ip=IP1, userid=b"u", host=b"h"),
    "4a-hostname-255-limit": request(ip=IP1, userid=b"u", host=b"h" * 255),
    "4a-hostname-256-over-limit": request(ip=IP1, userid=b"u", host=b"h" * 256),
    "4a-hostname-missing-nul": request(ip=IP1, userid=b"u", host=b"example.com", hnul=False),
    "4a-hostname-missing-nul-256": request(ip=IP1, userid=b"u", host=b"h" * 256, hnul=False),
    "4a-marker-nothing-after-userid": request(ip=IP1, userid=b"u"),
    "4a-userid-255-hostname-255-max": request(ip=IP1, userid=b"x" * 255, host=b"h" * 255),
    "no-4a-flag-0.0.0.1-is-plain": request(ip=IP1, userid=b"u", trailer=b"example.com\0",
                                           mode=NO_4A),
    "no-4a-flag-connect": request(userid=b"bob", mode=NO_4A),
    # payload after the request is never consumed
    "payload-http-after-request": request(userid=b"bob", trailer=b"GET / HTTP/1.0\r\n\r\n"),
    "payload-after-4a-request": request(ip=IP1, userid=b"bob", host=b"localhost",
                                        trailer=b"payload"),
    "payload-1-byte": request(trailer=b"\x01"),
    "payload-second-request": request(userid=b"a") + request(userid=b"b")[1:],
    "split-high-mode-bits": request(userid=b"bob", trailer=b"data", mode=0xfe),
    # version and truncation
    "vn-5-socks5-greeting": bytes([0, 5, 1, 0]),
    "vn-0": request(vn=0),
    "vn-3": request(vn=3),
    "vn-255": request(vn=255),
    "empty": bytes([0]),
    "vn-only": bytes([0, 4]),
    "header-only-8-bytes": request(unul=False),
}

REPLIES = {
    "90-granted": reply(90),
    "91-rejected": reply(91),
    "92-no-identd": reply(92),
    "93-ident-mismatch": reply(93),
    "bind-reply-with-address": reply(90, 0x1234, LOOP),
    "port-and-address-extremes": reply(90, 65535, (255, 255, 255, 255)),
    "cd-0": reply(0),
    "cd-255": reply(255),
    "followed-by-relayed-data": reply(90, trailer=b"HTTP/1.0 200 OK\r\n", mode=9),
    "vn-4-classic-server-bug": reply(90, vn=4),
    "vn-5-socks5-method-reply": bytes([0, 5, 0xff]),
    "7-bytes": reply(90)[:-1],
    "1-byte": bytes([0, 0]),
    "empty": bytes([0]),
}

QUERIES = {
    "rfc-example": b"6191, 23\r\n",
    "canonical-spacing": b"6191 , 23\r\n",
    "bare-lf": b"6191,23\n",
    "blanks-and-tabs": b" \t6191 ,\t23 \r\n",
    "ports-1-and-65535": b"1 , 65535\r\n",
    "leading-zeros": b"00080 , 01080\r\n",
    "second-line-unread": b"1 , 2\r\n3 , 4\r\n",
    "port-0": b"0 , 23\r\n",
    "port-65536": b"65536 , 23\r\n",
    "second-port-0": b"23 , 0\r\n",
    "six-digits": b"100000 , 23\r\n",
    "sign": b"+23 , 24\r\n",
    "negative": b"-1 , 24\r\n",
    "letters": b"abc , 23\r\n",
    "empty-port": b" , 23\r\n",
    "blank-inside-port": b"61 91 , 23\r\n",
    "two-commas": b"1 , 2 , 3\r\n",
    "no-comma": b"6191 23\r\n",
    "empty-line": b"\r\n",
    "nul-in-line": b"6191\0, 23\r\n",
    "cr-inside-line": b"6191\r, 23\r\n",
    "no-end-of-line": b"6191 , 23",
    "cr-without-lf": b"6191 , 23\r",
    "empty": b"",
    "line-1000-limit": b"1 ," + b" " * (1000 - 6) + b"2\r\n",
    "line-1001-over-limit": b"1 ," + b" " * (1001 - 6) + b"2\r\n",
    "no-end-of-line-1000": b"1" * 1000,
}


def userid_line(userid, opsys=b"UNIX", sep=b" : "):
    return b"1 , 2" + sep + b"USERID" + sep + opsys + sep + userid + b"\r\n"


PREFIX_1000 = b"1 , 2 : USERID : UNIX : "

RESPONSES = {
    "rfc-example": b"6193, 23 : USERID : UNIX : stjohns\r\n",
    "no-blanks": b"6193,23:USERID:UNIX:stjohns\n",
    "oidentd-style": b"40000 , 1080 : USERID : UNIX : root\r\n",
    "charset-utf-8": b"1 , 2 : USERID : UNIX , UTF-8 : b\xc3\xb6b\r\n",
    "charset-us-ascii-compact": b"1,2:USERID:UNIX,US-ASCII:bob\r\n",
    "opsys-other-userid-blanks-colons": b"1,2:USERID:OTHER: a b:c \r\n",
    "type-lower-case": b"1 , 2 : userid : UNIX : x\r\n",
    "error-no-user": b"6195, 23 : ERROR : NO-USER\r\n",
    "error-invalid-port": b"1 , 2 : ERROR : INVALID-PORT\r\n",
    "error-hidden-user": b"1 , 2 : ERROR : HIDDEN-USER\r\n",
    "error-unknown-error": b"1 , 2 : ERROR : UNKNOWN-ERROR\r\n",
    "error-x-token": b"1 , 2 : ERROR : X-DENIED\r\n",
    "error-type-lower-case": b"1,2:error:NO-USER\n",
    "second-line-unread": b"1,2:ERROR:NO-USER\r\nmore",
    "unknown-type": b"1 , 2 : OOPS : x\r\n",
    "empty-userid": b"1 , 2 : USERID : UNIX : \r\n",
    "no-userid-field": b"1 , 2 : USERID : UNIX\r\n",
    "empty-opsys": b"1 , 2 : USERID :  : x\r\n",
    "blank-inside-opsys": b"1 , 2 : USERID : UN IX : x\r\n",
    "empty-charset": b"1 , 2 : USERID : UNIX, : x\r\n",
    "charset-with-blank": b"1 , 2 : USERID : UNIX, UTF 8 : x\r\n",
    "opsys-64-limit": userid_line(b"x", opsys=b"O" * 64),
    "opsys-65-over-limit": userid_line(b"x", opsys=b"O" * 65),
    "error-token-64-limit": b"1 , 2 : ERROR : " + b"E" * 64 + b"\r\n",
    "error-token-65-over-limit": b"1 , 2 : ERROR : " + b"E" * 65 + b"\r\n",
    "empty-error": b"1 , 2 : ERROR : \r\n",
    "error-two-tokens": b"1 , 2 : ERROR : NO USER\r\n",
    "error-with-colon": b"1 , 2 : ERROR : NO-USER : x\r\n",
    "no-type": b"1 , 2\r\n",
    "no-colon-after-type": b"1 , 2 : USERID\r\n",
    "bad-port-70000": b"1 , 70000 : ERROR : NO-USER\r\n",
    "bad-port-0": b"0 , 2 : ERROR : NO-USER\r\n",
    "bad-port-letters": b"1 , x2 : ERROR : NO-USER\r\n",
    "no-comma": b"1 2 : ERROR : NO-USER\r\n",
    "cr-inside-userid": b"1 , 2 : USERID : UNIX : a\rb\r\n",
    "nul-inside-userid": b"1 , 2 : USERID : UNIX : a\0b\r\n",
    "no-end-of-line": b"1 , 2 : USERID : UNIX : bob",
    "userid-512": userid_line(b"u" * 512),
    "userid-high-bytes": userid_line(b"\x80\xff"),
    "line-1000-limit": PREFIX_1000 + b"u" * (1000 - len(PREFIX_1000) - 2) + b"\r\n",
    "line-1001-over-limit": PREFIX_1000 + b"u" * (1001 - len(PREFIX_1000) - 2) + b"\r\n",
    # 995 octets as sent, but the writer's canonical spacing needs more than 1000
    "compact-995-canonical-too-long": b"1,2:USERID:UNIX:" + b"u" * (995 - 18) + b"\r\n",
    "no-end-of-line-1000": b"1" * 1000,
    "empty": b"",
}


# fuzz_rules: rules files (user files are refused by the target).
RULES = {
    "cstc-example": b"""deny   *=bonnie,clyde 128.12.6.0 255.255.255.0 : /usr/ucb/mail -s 'Rejected' $USER
permit *=ylee 128.12.6.4 255.255.255.255 137.12.0.0 255.255.0.0
deny   128.12.0.0 255.255.0.0 eq telnet
permit 128.12.0.0 255.255.0.0
#NO_IDENTD: /usr/ucb/mail -s 'please run identd on %A' $USER
#BAD_ID: /usr/ucb/mail -s '%U pretends to be %u on %A' $USER
# query bytes
""",
    "every-op": b"".join(b"permit 0.0.0.0 0.0.0.0 %s 1024\n" % op
                         for op in (b"eq", b"neq", b"lt", b"gt", b"le", b"ge")),
    "identd-fields": b"permit ?=I 10.0.0.0 255.0.0.0\npermit ?=i *=a 0.0.0.0 0.0.0.0\n"
                     b"permit ?=n 0.0.0.0 0.0.0.0\npermit ?= 0.0.0.0 0.0.0.0\n",
    "service-names": b"deny 0.0.0.0 0.0.0.0 eq telnet\npermit 0.0.0.0 0.0.0.0 le http\n",
    "dst-and-port": b"permit 10.0.0.0 255.0.0.0 192.168.1.0 255.255.255.0 ge 1024\n",
    "comments-blank-crlf": b"# c\r\n\r\n   \t\npermit 1.2.3.4 255.255.255.255 # x\r\n",
    "user-file-refused": b"permit *=/etc/passwd 0.0.0.0 0.0.0.0\n",
    "bad-action": b"allow 0.0.0.0 0.0.0.0\n",
    "bad-address": b"permit 300.1.1.1 0.0.0.0\n",
    "bad-op": b"permit 1.2.3.4 255.255.255.255 5.6.7.8\n",
    "bad-port": b"permit 0.0.0.0 0.0.0.0 eq 65536\n",
    "too-many-fields": b"permit 1 2 3 4 5 6 7 8 9 10\n",
    "empty-user-entry": b"permit *=a,,b 0.0.0.0 0.0.0.0\n",
    "shell-without-rule": b": echo hi\n",
    "line-over-1023": b"permit 0.0.0.0 0.0.0.0 #" + b" " * 1024 + b"\n",
    "nul-in-line": b"permit 0.0.0.0\0 0.0.0.0\n",
}

# fuzz_session: a mode byte (bit 0 --no-4a, bit 1 rules, bit 2 dial refused),
# then what the client sends (the request helper's first byte is its mode).
RULES_ON, REFUSE = 0x02, 0x04
SESSIONS = {
    "connect": request(userid=b"bob"),
    "connect-payload": request(userid=b"bob", trailer=b"GET / HTTP/1.0\r\n\r\n"),
    "connect-refused": request(userid=b"bob", mode=REFUSE),
    "connect-rules-permit": request(userid=b"alice", mode=RULES_ON),
    "connect-rules-deny-user": request(userid=b"mallory", mode=RULES_ON),
    "connect-rules-deny-port": request(port=23, userid=b"bob", mode=RULES_ON),
    "bind": request(cd=2, port=21, userid=b"u"),
    "4a-localhost": request(ip=IP1, userid=b"u", host=b"localhost"),
    "4a-literal-payload": request(ip=IP1, host=b"127.0.0.1", trailer=b"data"),
    "4a-unresolvable": request(ip=IP1, host=b"no-such-host.invalid"),
    "4a-resolves-to-0.0.0.0": request(ip=IP1, host=b"0.0.0.0"),
    "4a-off": request(ip=IP1, host=b"localhost", mode=NO_4A),
    "4a-empty-host": request(ip=IP1, host=b""),
    "dstip-0.0.0.0": request(ip=(0, 0, 0, 0), userid=b"u"),
    "cd-3": request(cd=3),
    "vn-5": request(vn=5),
    "socks5-greeting": b"\x00\x05\x01\x00",
    "userid-256": request(userid=b"x" * 256),
    "host-256": request(ip=IP1, host=b"h" * 256),
    "cut-short": request(userid=b"bob")[:6],
    "empty": b"\x00",
}


def dns_name(name):
    return b"".join(bytes([len(l)]) + l for l in name.split(b".") if l) + b"\0"


def dns_query(name=b"socks4-test.invalid", qtype=1, qid=0x1234, flags=0x0100, qd=1):
    return (bytes([0]) + struct.pack(">HHHHHH", qid, flags, qd, 0, 0, 0) + dns_name(name) +
            struct.pack(">HH", qtype, 1))


def dns_answer(name=b"socks4-test.invalid", rcode=0, addrs=((127, 0, 0, 1),), qid=0x1234,
               flags=0x8580, tail=b""):
    rrs = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 0, 4) + bytes(a) for a in addrs)
    return (bytes([1]) + struct.pack(">HHHHHH", qid, flags | rcode, 1, len(addrs), 0, 0) +
            dns_name(name) + struct.pack(">HH", 1, 1) + rrs + tail)


DNS = {
    "query-a": dns_query(),
    "query-aaaa": dns_query(qtype=28),
    "query-localhost": dns_query(b"localhost"),
    "query-root": dns_query(b""),
    "query-label-63": dns_query(b"a" * 63 + b".test"),
    "query-label-64": dns_query(b"a" * 64 + b".test"),
    "query-pointer": bytes([0]) + struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\xc0\x0c" +
                     struct.pack(">HH", 1, 1),
    "query-two-questions": dns_query(qd=2),
    "query-is-answer": dns_query(flags=0x8000),
    "query-cut": dns_query()[:20],
    "query-bad-byte": dns_query(b"a b.test"),
    "answer-a": dns_answer(),
    "answer-two": dns_answer(addrs=((127, 0, 0, 1), (10, 0, 0, 2))),
    "answer-nxdomain": dns_answer(rcode=3, addrs=()),
    "answer-truncated": dns_answer(flags=0x8780, addrs=()),
    "answer-other-id": dns_answer(qid=0x4321)[:1] + b"\x12\x34" + dns_answer(qid=0x4321)[3:],
    "answer-cut": dns_answer()[:30],
    "answer-cname": dns_answer(addrs=(), tail=b"") [:7] + b"\x01" + dns_answer(addrs=())[8:] +
                    b"\xc0\x0c" + struct.pack(">HHIH", 5, 1, 0, 4) + b"\x01a\xc0\x0c",
}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "corpus"
    for target, seeds in (("request", REQUESTS), ("reply", REPLIES),
                          ("ident_query", QUERIES), ("ident_response", RESPONSES),
                          ("rules", RULES), ("session", SESSIONS), ("dns", DNS)):
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"make-seeds: {len(seeds)} seeds in {d}/")


if __name__ == "__main__":
    main()

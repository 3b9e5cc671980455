/* SPDX-License-Identifier: MIT */
/* requirements.c - the sentence behind each requirement id that cases cite,
 * from ../shared/spec/REQUIREMENTS.md (numbered there; quotes are the
 * original SOCKS4/4a texts where they say it, DER where derived). Reports
 * print it under every failure so a reader sees what was broken. */
#include <string.h>

#include "core/runner.h"

static const struct {
	const char *id;
	const char *text;
} reqs[] = {
        {"S4-REQ-1", "The request is an 8-octet header (VN, CD, DSTPORT, DSTIP), then USERID, then "
                     "one NULL octet."},
        {"S4-REQ-2", "\"VN is the SOCKS protocol version number and should be 4.\""},
        {"S4-REQ-3", "\"CD ... should be 1 for CONNECT request.\""},
        {"S4-REQ-4", "\"CD must be 2 to indicate BIND request.\""},
        {"S4-REQ-5", "DSTPORT and DSTIP are in network byte order (big-endian). (DER)"},
        {"S4-REQ-6", "USERID is an octet string terminated by the first 0x00; it may be empty (a "
                     "9-octet request). (DER)"},
        {"S4-REQ-7", "Any other VN, or any CD other than 1/2: close, or 91 then close; never "
                     "granted, never a hang. (DER)"},
        {"S4-CONNECT-2",
         "\"the SOCKS server makes a connection to the specified port of the destination host.\""},
        {"S4-CONNECT-3", "\"A reply packet is sent to the client when this connection is "
                         "established\" (not before)."},
        {"S4-CONNECT-4",
         "\"A reply packet is sent ... when the request is rejected or the operation fails.\""},
        {"S4-CONNECT-5", "\"The SOCKS server closes its connection immediately after notifying the "
                         "client of a failed or rejected request.\""},
        {"S4-CONNECT-6", "\"the SOCKS server gets ready to relay traffic on both directions.\""},
        {"S4-CONNECT-7", "\"as if it were directly connected to the application server\": "
                         "byte-exact, EOF passed through each way."},
        {"S4-CONNECT-8",
         "Bytes the client sends right behind the request must reach the destination. (DER)"},
        {"S4-REPLY-1", "A reply is exactly 8 octets."},
        {"S4-REPLY-2", "\"VN is the version of the reply code and should be 0.\""},
        {"S4-REPLY-3",
         "\"CD is the result code with one of the following values\": 90, 91, 92, 93."},
        {"S4-REPLY-4", "\"90: request granted\""},
        {"S4-REPLY-5", "\"91: request rejected or failed\""},
        {"S4-REPLY-6",
         "\"92: request rejected becasue SOCKS server cannot connect to identd on the client\""},
        {"S4-REPLY-7", "\"93: request rejected because the client program and identd report "
                       "different user-ids\""},
        {"S4-REPLY-8", "\"The remaining fields are ignored.\" (in a CONNECT reply)"},
        {"S4-REPLY-9", "Exactly one reply per CONNECT; two per granted BIND. (DER)"},
        {"S4-BIND-4", "\"The reply it sends back to the client has the same format as the reply "
                      "for CONNECT request\""},
        {"S4-BIND-5", "\"sends the port number and the IP address of that socket to the client in "
                      "DSTPORT and DSTIP\""},
        {"S4-BIND-6", "\"If the DSTIP in the reply is 0 ... the client should replace it by the IP "
                      "address of the SOCKS server\""},
        {"S4-BIND-7", "The first reply's address and port must be listening: a connection to it is "
                      "accepted. (DER)"},
        {"S4-BIND-8", "\"The SOCKS server sends a second reply packet to the client when the "
                      "anticipated connection from the application server is established.\""},
        {"S4-BIND-9", "\"The SOCKS server checks the IP address of the originating host against "
                      "the value of DSTIP specified in the client's BIND request.\""},
        {"S4-BIND-10", "\"If a mismatch is found, the CD field in the second reply is set to 91 "
                       "and the SOCKS server closes both connections.\""},
        {"S4-BIND-11", "\"If the two match, CD in the second reply is set to 90 and the SOCKS "
                       "server gets ready to relay the traffic on its two connections.\""},
        {"S4-BIND-12", "\"the client does I/O on its connection to the SOCKS server as if it were "
                       "directly connected to the application server.\""},
        {"S4-BIND-13", "The second reply's fields are not specified; the CSTC sockd sends the "
                       "accepted peer's address and port. (DER)"},
        {"S4-BIND-15", "The listening socket accepts one connection. (DER)"},
        {"S4-BIND-16", "Until the second reply, the client connection carries no data in either "
                       "direction. (DER)"},
        {"S4-TIMER-1", "\"the server sets a time limit (2 minutes in current CSTC implementation) "
                       "for the establishment of its connection with the application server.\""},
        {"S4-TIMER-2", "\"If the connection is still not establiched when the time limit expires, "
                       "the server closes its connection to the client and gives up.\""},
        {"S4-IDENT-2",
         "92 when identd on the client cannot be reached, in a mode where that is fatal."},
        {"S4-IDENT-3", "93 when the identd user-id differs from USERID."},
        {"S4-IDENT-4", "Lenient (-i): identd unreachable is allowed, a different user gets 93; "
                       "strict (-I): unreachable gets 92. (DER)"},
        {"S4-IDENT-5", "The ident query is \"<client's source port> , <SOCKS server's port>\" CRLF "
                       "(RFC 1413 section 4). (DER)"},
        {"S4-IDENT-6", "The identd USERID is compared exactly; ERROR or a premature close counts "
                       "as \"cannot verify\". (DER)"},
        {"S4-IDENT-7", "The server does not wait for identd beyond its own bound. (DER)"},
        {"S4-IDENT-8",
         "92/93 replies have VN=0 (the CSTC sockd's VN=4 there is a bug not to copy). (DER)"},
        {"S4A-1", "\"it should set the first three bytes of DSTIP to NULL and the last byte to a "
                  "non-zero value.\" (a client that cannot resolve the name)"},
        {"S4A-2", "\"Following the NULL byte terminating USERID, the client must sends the "
                  "destination domain name and termiantes it with another NULL byte.\""},
        {"S4A-4", "\"A server using protocol 4A must check the DSTIP in the request packet.\""},
        {"S4A-5", "\"If it represent address 0.0.0.x with nonzero x, the server must read in the "
                  "domain name that the client sends in the packet.\""},
        {"S4A-6", "\"The server should resolve the domain name and make connection to the "
                  "destination host if it can.\" Otherwise 91."},
        {"S4A-8", "0.0.0.0 is not a 4a marker: bytes after the first NULL are not a hostname; the "
                  "answer is 91. (DER)"},
        {"S4A-9",
         "A server without 4a answers 0.0.0.x with 91 and never relays the hostname. (DER)"},
        {"S4A-11", "For a 4a BIND, the DSTIP check compares against the resolved address. (DER)"},
        {"S4A-12", "Hostnames are bounded (255 octets); servers must enforce hard limits. (DER)"},
        {"S4A-13", "An empty hostname (two NULLs in a row after a 0.0.0.x marker) gets 91. (DER)"},
        {"S4A-14", "A 4a request whose hostname is an IP literal is still processed. (DER)"},
        {"S4-ROBUST-1", "USERID and hostname are bounded: over the limit, 91 or close, never a "
                        "crash or an unbounded read. (DER)"},
        {"S4-ROBUST-2", "A request split across many writes, down to one byte each, is handled "
                        "like one write. (DER)"},
        {"S4-ROBUST-3", "A client that sends nothing or part of a request is dropped within a "
                        "bound, and does not block others. (DER)"},
        {"S4-ROBUST-4",
         "A client that closes mid-request or right after it leaves no crash and no leak. (DER)"},
        {"S4-ROBUST-5", "The request is parsed from the stream, not from one recv(); bytes after "
                        "the NULL belong to the relay. (DER)"},
};

const char *requirement_text(const char *id)
{
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		if (strcmp(reqs[i].id, id) == 0)
			return reqs[i].text;
	return NULL;
}

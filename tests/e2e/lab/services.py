#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# The lab's network services on db: a DNS resolver for lab.internal
# (UDP/53: A records for the lab hosts, NXDOMAIN for any other name, so
# that resolvers and nslookup answer at once) and a TCP service on 8443
# that reads what it is sent and throws it away (the exfiltration drop).
#
# usage: services.py ADDR   (the address to listen on)
import socket
import socketserver
import struct
import sys
import threading

HOSTS = {
    "ws.lab.internal": "10.77.0.1",
    "srv.lab.internal": "10.77.0.2",
    "db.lab.internal": "10.77.0.3",
}


def qname(pkt):
    labels, i = [], 12
    while i < len(pkt) and pkt[i]:
        n = pkt[i]
        labels.append(pkt[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels).lower(), i + 1


def answer(pkt):
    if len(pkt) < 17:
        return None
    name, end = qname(pkt)
    if end + 4 > len(pkt):
        return None
    qtype = struct.unpack("!H", pkt[end:end + 2])[0]
    question = pkt[12:end + 4]
    addr = HOSTS.get(name)
    flags = 0x8180 if addr else 0x8183	# response, RD, RA; NXDOMAIN
    if addr and qtype == 1:
        rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + \
            socket.inet_aton(addr)
        return pkt[:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0) + \
            question + rr
    return pkt[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + question


def dns(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        pkt, peer = s.recvfrom(4096)
        reply = answer(pkt)
        if reply:
            s.sendto(reply, peer)


class Sink(socketserver.BaseRequestHandler):
    def handle(self):
        while self.request.recv(65536):
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    addr = sys.argv[1]
    threading.Thread(target=dns, args=(addr,), daemon=True).start()
    Server((addr, 8443), Sink).serve_forever()


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""slow-reader.py PORT TARGET INITIATOR SECONDS [RCVBUF] [BYTES_PER_S]: one iSCSI session that
keeps up to 32 READ(10)s of 256 KiB outstanding (8 MiB: more than the target's socket send buffer
can absorb) on LUN 0 but reads its socket slowly, with SO_RCVBUF
clamped (default 4096 bytes, 64 KiB/s), so the target's sends to it stall on a full window.
For bench/slow-peer.sh; 127.0.0.1 only. Prints "slow reader: N bytes in S s"."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'lib'))
from flood import login_pdu  # noqa: E402

READ_BLOCKS = 512          # 256 KiB of 512-byte blocks
OUTSTANDING = 32


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_cmd(itt, cmdsn, expstatsn, lba):
    cdb = struct.pack('>BBIBHB', 0x28, 0, lba, 0, READ_BLOCKS, 0) + b'\0' * 6
    return struct.pack('>BBH B3s 8s I I I I 16s', 0x01, 0xC1, 0, 0, b'\0\0\0', b'\0' * 8, itt,
                       READ_BLOCKS * 512, cmdsn, expstatsn, cdb)


def main():
    port, target, initiator, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    rcvbuf = int(sys.argv[5]) if len(sys.argv) > 5 else 4096
    rate = int(sys.argv[6]) if len(sys.argv) > 6 else 65536
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(('127.0.0.1', port))
    s.sendall(login_pdu(bytes([0x80, 0, 0, 0, 0x51, 0x0e]), 0, target, initiator))
    rsp = recv_exact(s, 48)
    dlen = int.from_bytes(rsp[5:8], 'big')
    recv_exact(s, dlen + (-dlen % 4))
    if rsp[36] != 0:
        sys.exit('login failed: status %d/%d' % (rsp[36], rsp[37]))
    statsn, expcmdsn, maxcmdsn = struct.unpack('>III', rsp[24:36])
    cmdsn, itt, got, t0 = 1, 1, 0, time.monotonic()
    for _ in range(min(OUTSTANDING, (maxcmdsn - expcmdsn + 1) & 0xffffffff)):
        s.sendall(read_cmd(itt, cmdsn, statsn + 1, (itt * READ_BLOCKS) % 16384))
        itt += 1
        cmdsn += 1
    while time.monotonic() - t0 < seconds:
        bhs = recv_exact(s, 48)
        n = int.from_bytes(bhs[5:8], 'big')
        n += -n % 4
        while n > 0:   # the data, slowly
            k = min(n, 4096)
            recv_exact(s, k)
            got += k
            n -= k
            time.sleep(k / rate)
        op = bhs[0] & 0x3f
        done = op == 0x21 or (op == 0x25 and bhs[1] & 0x01)   # SCSI Response, or Data-In with S
        if done:
            s.sendall(read_cmd(itt, cmdsn, struct.unpack('>I', bhs[24:28])[0] + 1, (itt * READ_BLOCKS) % 16384))
            itt += 1
            cmdsn += 1
    print('slow reader: %d bytes in %.0f s' % (got, time.monotonic() - t0))


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""scsi-io.py PORT TARGET INITIATOR OP...: one iSCSI session on 127.0.0.1 (tests/lib/flood.py's
login), then each OP in turn, one line per OP: "OP status S [sense KEY/ASC/ASCQ]".
  write:LUN:LBA   WRITE(10) of 8 blocks (4 KiB of 0x5a) as immediate data
  read:LUN:LBA    READ(10) of 8 blocks; "data ok" when they are all 0x5a
Exit 0 when every OP got a SCSI status (whatever it is), 1 on a protocol or connection error."""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from flood import login_pdu  # noqa: E402

BLOCKS, BS = 8, 512


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError('connection closed')
        buf += chunk
    return buf


def recv_pdu(s):
    bhs = recv_exact(s, 48)
    n = int.from_bytes(bhs[5:8], 'big')
    data = recv_exact(s, n + (-n % 4))[:n]
    return bhs, data


def command(op, lun, lba, itt, cmdsn, expstatsn):
    write = op == 'write'
    cdb = struct.pack('>BBIBHB', 0x2a if write else 0x28, 0, lba, 0, BLOCKS, 0) + b'\0' * 6
    data = b'\x5a' * (BLOCKS * BS) if write else b''
    flags = 0x80 | (0x20 if write else 0x40) | 0x01
    bhs = struct.pack('>BBHB3s8sIIII16s', 0x01, flags, 0, 0, len(data).to_bytes(3, 'big'),
                      struct.pack('>HHI', lun & 0x3fff, 0, 0), itt, BLOCKS * BS, cmdsn, expstatsn, cdb)
    return bhs + data


def main():
    port, target, initiator = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    s = socket.create_connection(('127.0.0.1', port), timeout=30)
    s.sendall(login_pdu(bytes([0x80, 0, 0, 0, 0x10, 0x01]), 0, target, initiator))
    rsp, _ = recv_pdu(s)
    if rsp[36] != 0:
        sys.exit('login failed: %d/%d' % (rsp[36], rsp[37]))
    statsn = struct.unpack('>I', rsp[24:28])[0]
    cmdsn = 1
    for i, spec in enumerate(sys.argv[4:], 1):
        op, lun, lba = spec.split(':')
        s.sendall(command(op, int(lun), int(lba), i, cmdsn, statsn + 1))
        cmdsn += 1
        got = b''
        while True:
            bhs, data = recv_pdu(s)
            opcode = bhs[0] & 0x3f
            if opcode == 0x25:                        # Data-In
                got += data
                if bhs[1] & 0x01:                     # with status
                    statsn = struct.unpack('>I', bhs[24:28])[0]
                    line = '%s status %d' % (spec, bhs[3])
                    break
            elif opcode == 0x21:                      # SCSI Response
                statsn = struct.unpack('>I', bhs[24:28])[0]
                line = '%s status %d' % (spec, bhs[3])
                if len(data) >= 2 + 14:               # SenseLength, then fixed-format sense
                    sense = data[2:]
                    line += ' sense %d/0x%02x/0x%02x' % (sense[2] & 0x0f, sense[12], sense[13])
                break
            else:
                sys.exit('%s: unexpected opcode 0x%02x' % (spec, opcode))
        if op == 'read' and 'sense' not in line and got == b'\x5a' * (BLOCKS * BS):
            line += ' data ok'
        print(line, flush=True)


main()

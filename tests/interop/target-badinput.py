#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile and malformed PDUs against iscsi-targetd; each case on its own connection.

Usage: target-badinput.py PORT TARGET INITIATOR CHAP_TARGET CHAP_INITIATOR PING_INITIATOR \
           [WORKDIR PIDFILE PLAIN_INITIATOR]
With the last three (the suite's config directory, the daemon's pid file and an initiator
mapped to LUN 0 of CHAP_TARGET only), a live session's LUN map is checked across a reload.
Prints unnumbered TAP lines. Only connects to 127.0.0.1.
"""
import socket
import struct
import sys
import time

PORT, TARGET, INITIATOR = int(sys.argv[1]), sys.argv[2], sys.argv[3]
CHAP_TARGET, CHAP_INITIATOR = sys.argv[4], sys.argv[5]
INITIATOR2 = sys.argv[6]     # ACL with nopin_timeout=1, nopin_response_timeout=2
RELOAD = sys.argv[7:10] if len(sys.argv) >= 10 else None
results = []


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return (~crc) & 0xFFFFFFFF


def report(ok, name, why=""):
    results.append(("ok" if ok else "not ok") + " - " + name + ("" if ok else ": " + why))


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def pad(b):
    return b + b"\0" * ((4 - len(b) % 4) % 4)


class Conn:
    def __init__(self):
        self.s = connect()
        self.hd = False
        self.dd = False
        self.cmdsn = 1
        self.statsn = 0
        self.itt = 1

    def send(self, bhs, data=b"", ahs=b"", bad_hdigest=False):
        bhs = bytearray(bhs)
        bhs[4] = len(ahs) // 4
        bhs[5:8] = len(data).to_bytes(3, "big")
        hdr = bytes(bhs) + ahs
        out = hdr
        if self.hd:
            d = crc32c(hdr)
            if bad_hdigest:
                d ^= 0xDEADBEEF
            out += struct.pack("<I", d)
        if data:
            out += pad(data)
            if self.dd:
                out += struct.pack("<I", crc32c(pad(data)))
        self.s.sendall(out)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def recv(self):
        bhs = self.recv_exact(48)
        ahs = self.recv_exact(bhs[4] * 4)
        if self.hd:
            self.recv_exact(4)
        dlen = int.from_bytes(bhs[5:8], "big")
        data = self.recv_exact(dlen + (4 - dlen % 4) % 4)[:dlen]
        if self.dd and dlen:
            self.recv_exact(4)
        return bhs, data

    def closed_within(self, secs):
        """True if the peer closes the connection (reading and discarding until then)."""
        self.s.settimeout(secs)
        end = time.time() + secs
        try:
            while time.time() < end:
                if not self.s.recv(65536):
                    return True
        except (ConnectionError, OSError):
            return True
        except socket.timeout:
            return False
        return False


def login_bhs(csg, nsg, transit, itt=1, cmdsn=1, cont=False, isid=0x1234):
    b = bytearray(48)
    b[0] = 0x43
    b[1] = (0x80 if transit else 0) | (0x40 if cont else 0) | (csg << 2) | nsg
    b[8:14] = bytes([0x80, 0x00, 0x00, 0x00]) + isid.to_bytes(2, "big")
    struct.pack_into(">I", b, 16, itt)
    struct.pack_into(">I", b, 24, cmdsn)
    return b


def keys(*kv):
    return b"".join(k.encode() + b"=" + v.encode() + b"\0" for k, v in kv)


def full_login(digests=False, extra=(), initiator=None, isid=0x1234, target=None):
    c = Conn()
    c.send(login_bhs(0, 1, True, isid=isid), keys(("InitiatorName", initiator or INITIATOR), ("SessionType", "Normal"),
                                                  ("TargetName", target or TARGET), ("AuthMethod", "None")))
    bhs, data = c.recv()
    if bhs[0] != 0x23 or bhs[36] != 0:
        raise RuntimeError(f"security stage failed: status {bhs[36]:#x}/{bhs[37]:#x}")
    d = "CRC32C" if digests else "None"
    c.send(login_bhs(1, 3, True, isid=isid), keys(("HeaderDigest", d), ("DataDigest", d), *extra))
    bhs, data = c.recv()
    if bhs[0] != 0x23 or bhs[36] != 0 or not bhs[1] & 0x80:
        raise RuntimeError(f"operational stage failed: status {bhs[36]:#x}/{bhs[37]:#x}")
    c.statsn = struct.unpack(">I", bhs[24:28])[0] + 1
    c.cmdsn = struct.unpack(">I", bhs[28:32])[0]
    c.last_login_data = data
    if digests:
        c.hd = b"HeaderDigest=CRC32C" in data
        c.dd = b"DataDigest=CRC32C" in data
    return c


def nop(c, immediate=True, ping=b"ping"):
    b = bytearray(48)
    b[0] = 0x00 | (0x40 if immediate else 0)
    b[1] = 0x80
    c.itt += 1
    struct.pack_into(">I", b, 16, c.itt)
    struct.pack_into(">I", b, 20, 0xFFFFFFFF)
    struct.pack_into(">I", b, 24, c.cmdsn)
    struct.pack_into(">I", b, 28, c.statsn)
    if not immediate:
        c.cmdsn += 1
    c.send(b, ping)
    return c.itt


def expect_nop_in(c, itt):
    c.s.settimeout(5)
    for _ in range(10):
        bhs, data = c.recv()
        if bhs[0] & 0x3F == 0x20 and struct.unpack(">I", bhs[16:20])[0] == itt:
            return data
    raise RuntimeError("no NOP-In")


def case(name):
    def wrap(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is a test result
            report(False, name, f"{type(e).__name__}: {e}")
        return fn
    return wrap


@case("bad input: unknown opcode as first PDU drops the connection")
def _():
    c = Conn()
    b = bytearray(48)
    b[0] = 0x0F
    c.send(b)
    report(c.closed_within(5), "bad input: unknown opcode as first PDU drops the connection", "still open")


@case("bad input: login PDU with 16 MiB DataSegmentLength drops the connection")
def _():
    c = Conn()
    b = login_bhs(0, 1, True)
    b[5:8] = (0xFFFFFF).to_bytes(3, "big")
    c.s.sendall(bytes(b) + b"X" * 4096)
    report(c.closed_within(5), "bad input: login PDU with 16 MiB DataSegmentLength drops the connection",
           "still open")


@case("bad input: skipping the security stage where CHAP is required fails the login")
def _():
    c = Conn()
    # First PDU already in the operational stage although this ACL has CHAP credentials.
    c.send(login_bhs(1, 3, True), keys(("InitiatorName", CHAP_INITIATOR), ("SessionType", "Normal"),
                                       ("TargetName", CHAP_TARGET)))
    try:
        bhs, data = c.recv()
        ok = bhs[0] == 0x23 and bhs[36] != 0
        why = f"login status {bhs[36]:#x}/{bhs[37]:#x}"
    except ConnectionError:
        ok, why = True, ""
    report(ok, "bad input: skipping the security stage where CHAP is required fails the login", why)


@case("bad input: login stage 2 (reserved) is refused")
def _():
    c = Conn()
    c.send(login_bhs(2, 3, True), keys(("InitiatorName", INITIATOR), ("TargetName", TARGET)))
    try:
        bhs, data = c.recv()
        ok = bhs[0] == 0x23 and bhs[36] != 0
    except ConnectionError:
        ok = True
    report(ok, "bad input: login stage 2 (reserved) is refused", "accepted")


@case("bad input: key flood over continued login PDUs ends the login")
def _():
    c = Conn()
    chunk = b"".join(b"X-flood%05d=%s\0" % (i, b"v" * 40) for i in range(150))[:8192]
    ok = False
    try:
        for i in range(64):      # 512 KiB of keys, far above the 64 KiB text bound
            c.send(login_bhs(0, 1, False, cont=True), chunk)
            c.s.settimeout(0.05)
            try:
                bhs, data = c.recv()
                if bhs[0] == 0x23 and bhs[36] != 0:
                    ok = True
                    break
            except socket.timeout:
                pass
            except ConnectionError:
                ok = True
                break
    except (ConnectionError, OSError):
        ok = True
    if not ok:
        ok = c.closed_within(5)
    report(ok, "bad input: key flood over continued login PDUs ends the login", "login still going")


@case("bad input: unknown login keys are answered NotUnderstood and the login succeeds")
def _():
    c = full_login(extra=(("X-com.example.Foo", "1"), ("FooBarKey", "2")))
    ok = b"FooBarKey=NotUnderstood" in c.last_login_data
    report(ok, "bad input: unknown login keys are answered NotUnderstood and the login succeeds",
           repr(c.last_login_data))


@case("bad input: unknown opcode in full feature phase gets a Reject, session continues")
def _():
    c = full_login()
    b = bytearray(48)
    b[0] = 0x1D | 0x40
    b[1] = 0x80
    c.send(b)
    bhs, data = c.recv()
    ok = bhs[0] & 0x3F == 0x3F and bhs[2] in (0x04, 0x05) and data[:1] == bytes([0x5D])
    itt = nop(c)
    expect_nop_in(c, itt)
    report(ok, "bad input: unknown opcode in full feature phase gets a Reject, session continues",
           f"got opcode {bhs[0]:#x} reason {bhs[2]:#x}")


@case("bad input: command with CmdSN outside the window is ignored")
def _():
    c = full_login()
    b = bytearray(48)
    b[0] = 0x01
    b[1] = 0x80
    struct.pack_into(">I", b, 16, 0x7777)
    struct.pack_into(">I", b, 24, (c.cmdsn + 100000) & 0xFFFFFFFF)
    struct.pack_into(">I", b, 28, c.statsn)
    c.send(b)                       # TEST UNIT READY, CmdSN far beyond MaxCmdSN
    itt = nop(c)
    c.s.settimeout(5)
    ok = True
    while True:
        bhs, data = c.recv()
        if bhs[0] & 0x3F == 0x21 and struct.unpack(">I", bhs[16:20])[0] == 0x7777:
            ok = False
        if bhs[0] & 0x3F == 0x20 and struct.unpack(">I", bhs[16:20])[0] == itt:
            break
    report(ok, "bad input: command with CmdSN outside the window is ignored", "it was answered")


@case("bad input: bad header digest drops the connection")
def _():
    c = full_login(digests=True)
    if not c.hd:
        raise RuntimeError("HeaderDigest=CRC32C not negotiated")
    itt = nop(c)
    expect_nop_in(c, itt)           # digests work both ways
    b = bytearray(48)
    b[0] = 0x40
    b[1] = 0x80
    struct.pack_into(">I", b, 16, 0x55)
    struct.pack_into(">I", b, 20, 0xFFFFFFFF)
    struct.pack_into(">I", b, 24, c.cmdsn)
    c.send(b, bad_hdigest=True)
    report(c.closed_within(5), "bad input: bad header digest drops the connection", "still open")


@case("bad input: bad data digest gets a Reject, session continues")
def _():
    c = full_login(digests=True)
    if not c.dd:
        raise RuntimeError("DataDigest=CRC32C not negotiated")
    b = bytearray(48)
    b[0] = 0x40
    b[1] = 0x80
    struct.pack_into(">I", b, 16, 0x66)
    struct.pack_into(">I", b, 20, 0xFFFFFFFF)
    struct.pack_into(">I", b, 24, c.cmdsn)
    b[5:8] = (4).to_bytes(3, "big")
    hdr = bytes(b)
    c.s.sendall(hdr + struct.pack("<I", crc32c(hdr)) + b"abcd" + struct.pack("<I", 0x12345678))
    bhs, data = c.recv()
    ok = bhs[0] & 0x3F == 0x3F and bhs[2] == 0x02
    itt = nop(c)
    expect_nop_in(c, itt)
    report(ok, "bad input: bad data digest gets a Reject, session continues",
           f"got opcode {bhs[0]:#x} reason {bhs[2]:#x}")


@case("protocol: NOP-Out ping data is echoed in NOP-In")
def _():
    c = full_login()
    itt = nop(c, immediate=False, ping=b"hello target")
    data = expect_nop_in(c, itt)
    report(data == b"hello target", "protocol: NOP-Out ping data is echoed in NOP-In", repr(data))


@case("protocol: logout gets a Logout Response and the connection closes")
def _():
    c = full_login()
    b = bytearray(48)
    b[0] = 0x06 | 0x40
    b[1] = 0x80
    struct.pack_into(">I", b, 16, 0x99)
    struct.pack_into(">I", b, 24, c.cmdsn)
    struct.pack_into(">I", b, 28, c.statsn)
    c.send(b)
    bhs, data = c.recv()
    ok = bhs[0] & 0x3F == 0x26 and bhs[2] == 0
    report(ok and c.closed_within(5), "protocol: logout gets a Logout Response and the connection closes",
           f"opcode {bhs[0]:#x} response {bhs[2]}")


@case("protocol: an idle session is pinged with NOP-In and an answered ping keeps it")
def _():
    c = full_login(initiator=INITIATOR2, isid=0x2001)     # ACL with nopin_timeout=1
    c.s.settimeout(6)
    bhs, data = c.recv()
    ttt = struct.unpack(">I", bhs[20:24])[0]
    ok = bhs[0] & 0x3F == 0x20 and struct.unpack(">I", bhs[16:20])[0] == 0xFFFFFFFF and ttt != 0xFFFFFFFF
    b = bytearray(48)
    b[0] = 0x40
    b[1] = 0x80
    struct.pack_into(">I", b, 16, 0xFFFFFFFF)
    struct.pack_into(">I", b, 20, ttt)
    struct.pack_into(">I", b, 24, c.cmdsn)
    c.send(b)
    itt = nop(c)
    expect_nop_in(c, itt)
    report(ok, "protocol: an idle session is pinged with NOP-In and an answered ping keeps it",
           f"first PDU opcode {bhs[0]:#x}")


@case("protocol: an unanswered NOP-In ping drops the connection")
def _():
    c = full_login(initiator=INITIATOR2, isid=0x2002)     # nopin_response_timeout=2
    report(c.closed_within(8), "protocol: an unanswered NOP-In ping drops the connection", "still open")


@case("protocol: a login with the same ISID reinstates the session (old connection closed)")
def _():
    old = full_login(isid=0x3001)
    new = full_login(isid=0x3001)
    closed = old.closed_within(5)
    itt = nop(new)
    expect_nop_in(new, itt)
    report(closed, "protocol: a login with the same ISID reinstates the session (old connection closed)",
           "old connection still open")


@case("protocol: 32 sessions at once all answer")
def _():
    conns = [full_login(isid=0x4000 + i) for i in range(32)]
    for c in conns:
        expect_nop_in(c, nop(c))
    report(True, "protocol: 32 sessions at once all answer")


def report_luns(c):
    """REPORT LUNS on the session; returns the LUN numbers (retrying past unit attentions)."""
    for attempt in range(4):
        b = bytearray(48)
        b[0] = 0x01
        b[1] = 0x80 | 0x40 | 1              # F, R, SIMPLE
        c.itt += 1
        struct.pack_into(">I", b, 16, c.itt)
        struct.pack_into(">I", b, 20, 4096)
        struct.pack_into(">I", b, 24, c.cmdsn)
        struct.pack_into(">I", b, 28, c.statsn)
        c.cmdsn += 1
        b[32] = 0xA0
        struct.pack_into(">I", b, 32 + 6, 4096)
        c.send(b)
        c.s.settimeout(5)
        data = b""
        while True:
            bhs, d = c.recv()
            op = bhs[0] & 0x3F
            if op == 0x25:
                data += d
                if bhs[1] & 0x01:
                    status = bhs[3]
                    break
            elif op == 0x21:
                status = bhs[3]
                break
        if status == 0:
            n = struct.unpack(">I", data[0:4])[0] // 8
            return [struct.unpack(">H", data[8 + 8 * i:10 + 8 * i])[0] & 0x3FFF for i in range(n)]
    raise RuntimeError(f"REPORT LUNS status {status:#x}")


if RELOAD:
    @case("reload: a live session's LUN map is updated in place")
    def _():
        import os
        import signal
        import subprocess
        work, pidfile, plain = RELOAD
        here = os.path.dirname(os.path.abspath(__file__))
        pid = int(open(pidfile).read())
        c = full_login(initiator=plain, isid=0x5001, target=CHAP_TARGET)
        before = report_luns(c)
        subprocess.run([sys.executable, f"{here}/target-config.py", work, str(PORT), "--plain-lun1"], check=True)
        os.kill(pid, signal.SIGHUP)
        time.sleep(1.5)
        after = report_luns(c)
        subprocess.run([sys.executable, f"{here}/target-config.py", work, str(PORT)], check=True)
        os.kill(pid, signal.SIGHUP)
        time.sleep(1.5)
        restored = report_luns(c)
        report(before == [0] and sorted(after) == [0, 1] and restored == [0],
               "reload: a live session's LUN map is updated in place",
               f"LUNs before {before}, after mapping LUN 1 {after}, after unmapping {restored}")


for line in results:
    print(line)

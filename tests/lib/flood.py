#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""flood.py: connection and login floods against an iSCSI target on 127.0.0.1 (tests/suites/
70-reliability.sh, `flood ...` steps). Loopback or a network namespace only.

  flood.py silent PORT N HOLD_S
      open N TCP connections that never send; hold each until the target closes it or HOLD_S
      pass. Prints "opened N", then at the end "closed_by_target N first_s X last_s Y".
  flood.py logins PORT RATE SECONDS TARGET INITIATOR
      RATE logins per second for SECONDS (a Login Request from the security stage straight to
      full feature phase, AuthMethod=None, then a Logout); prints "logins N ok N failed N
      rate R p50_ms X p99_ms Y".
"""
import asyncio
import resource
import struct
import sys
import time


async def silent(port, n, hold):
    conns, t0 = [], time.monotonic()
    for _ in range(n):
        try:
            conns.append(await asyncio.open_connection('127.0.0.1', port))
        except OSError as e:
            print('connect failed after %d: %s' % (len(conns), e), file=sys.stderr)
            break
    print('opened %d' % len(conns), flush=True)
    closed = []

    async def watch(reader):
        try:
            if await asyncio.wait_for(reader.read(1), hold) == b'':
                closed.append(time.monotonic() - t0)
        except (asyncio.TimeoutError, OSError):
            pass
    await asyncio.gather(*(watch(r) for r, _ in conns))
    for _, w in conns:
        w.close()
    print('closed_by_target %d first_s %.1f last_s %.1f' %
          (len(closed), min(closed, default=0), max(closed, default=0)), flush=True)


def keys(pairs):
    data = b''.join(b'%s=%s\0' % (k.encode(), v.encode()) for k, v in pairs)
    return data + b'\0' * (-len(data) % 4), len(data)


def login_pdu(isid, itt, target, initiator):
    data, dlen = keys([('InitiatorName', initiator), ('TargetName', target),
                       ('SessionType', 'Normal'), ('AuthMethod', 'None')])
    bhs = struct.pack('>BBBBB3s6sHIHHII16x', 0x43, 0x83, 0, 0, 0, dlen.to_bytes(3, 'big'),
                      isid, 0, itt, 0, 0, 1, 0)
    return bhs + data


async def read_pdu(reader):
    bhs = await reader.readexactly(48)
    dlen = int.from_bytes(bhs[5:8], 'big')
    ahs = bhs[4] * 4
    await reader.readexactly(ahs + dlen + (-dlen % 4))
    return bhs


async def one_login(port, i, target, initiator):
    isid = bytes([0x80, 0, 0, 0]) + (i & 0xffff).to_bytes(2, 'big')
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        writer.write(login_pdu(isid, i, target, initiator))
        rsp = await read_pdu(reader)
        if rsp[0] & 0x3f != 0x23 or rsp[36] != 0:
            return False
        stat_sn = struct.unpack('>I', rsp[24:28])[0]
        logout = struct.pack('>BBHB3sQIHHII16x', 0x46, 0x80, 0, 0, b'\0\0\0', 0, i + 1, 0, 0, 1, stat_sn + 1)
        writer.write(logout)
        rsp = await read_pdu(reader)
        return rsp[0] & 0x3f == 0x26
    finally:
        writer.close()


async def logins(port, rate, seconds, target, initiator):
    tasks, lat, t0 = [], [], time.monotonic()

    async def timed(i):
        s = time.monotonic()
        try:
            ok = await asyncio.wait_for(one_login(port, i, target, initiator), 10)
        except (asyncio.TimeoutError, OSError, asyncio.IncompleteReadError):
            ok = False
        if ok:
            lat.append(time.monotonic() - s)
        return ok
    for i in range(int(rate * seconds)):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(timed(i)))
    results = await asyncio.gather(*tasks)
    elapsed = time.monotonic() - t0
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0
    ok = sum(results)
    print('logins %d ok %d failed %d rate %.0f p50_ms %.1f p99_ms %.1f' %
          (len(results), ok, len(results) - ok, len(results) / elapsed, pct(0.5), pct(0.99)), flush=True)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == 'silent':
        asyncio.run(silent(port, int(sys.argv[3]), float(sys.argv[4])))
    else:
        asyncio.run(logins(port, float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]))


if __name__ == "__main__":
    main()

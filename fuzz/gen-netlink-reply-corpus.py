#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpus of fuzz-netlink-reply (fuzz/corpus/netlink-reply/): NETLINK_ISCSI
messages laid out as Linux 6.1's scsi_transport_iscsi sends them to iscsid (x86_64, little
endian; see iscsid/kernel-abi.h): unicast replies (nlmsg_type = request, the request's uevent
echoed back, IF_ERROR with a negative errno on failure), multicast events and GET_STATS answers
(nlmsg_type 0, padded to 4 bytes), several per buffer, and a few broken ones. The first byte of
each file is the harness's misalignment selector.
    fuzz/gen-netlink-reply-corpus.py [DIR]"""
import os, struct, sys

HANDLE = 0xffffffffc0a8e040          # transport_handle: the kernel's iscsi_transport pointer
(CREATE_SESSION, DESTROY_SESSION, CREATE_CONN, DESTROY_CONN, BIND_CONN, SET_PARAM, START_CONN,
 STOP_CONN, SEND_PDU, GET_STATS) = range(11, 21)
RECV_PDU, CONN_ERROR, IF_ERROR, K_DESTROY_SESSION, K_UNBIND_SESSION, K_CREATE_SESSION = range(101, 107)
CONN_LOGIN_STATE = 109
EEXIST, EINVAL, ENOMEM = 17, 22, 12


def uevent(etype, iferror=0, u=b"", r=b""):
    return struct.pack("<IiQ", etype, iferror, HANDLE) + u.ljust(24, b"\0") + r.ljust(16, b"\0")


def nlmsg(body, nl_type=0, pad=True, length=None):
    n = 16 + len(body) if length is None else length
    msg = struct.pack("<IHHII", n, nl_type, 0, 0, 0) + body
    return msg + b"\0" * ((-len(msg)) % 4 if pad else 0)


def reply(req, u=b"", r=b""):
    return nlmsg(uevent(req, u=u, r=r), nl_type=req)


def if_error(req, errno, u=b""):
    return nlmsg(uevent(IF_ERROR, -errno, u=u), nl_type=req)


def stats(sid, cid, custom):
    head = struct.pack("<QQ" + "I" * 19, 1 << 33, 987654, 12, 4096, 0, 1, 0, 130, 1, 0, 12, 4096, 0, 0,
                       2000, 1, 96, 0, 0, 0, 0) + struct.pack("<I", len(custom))
    body = b"".join(name.encode().ljust(64, b"\0") + struct.pack("<Q", v) for name, v in custom)
    return nlmsg(uevent(GET_STATS, u=struct.pack("<II", sid, cid)) + head + body)


def event(etype, r, payload=b""):
    return nlmsg(uevent(etype, r=r) + payload)


def bhs(opcode, flags, dlen, rest=b""):
    return (struct.pack(">BB2xI", opcode, flags, dlen & 0xffffff) + rest).ljust(48, b"\0")


sid_cid = struct.pack("<II", 3, 0)
tcp_custom = [("tx_sendpage_failures", 0), ("rx_discontiguous_hdr", 2), ("eh_abort_cnt", 1)]
logout_rsp = bhs(0x26, 0x80, 0, struct.pack(">4xQI", 0, 0x11))
nop_in = bhs(0x20, 0x80, 5) + b"hello"
SEEDS = {
    "reply-create-session": reply(CREATE_SESSION, struct.pack("<IHH", 1, 128, 32), struct.pack("<II", 3, 2)),
    "reply-create-conn": reply(CREATE_CONN, sid_cid, sid_cid),
    "reply-bind-conn": reply(BIND_CONN, struct.pack("<IIQI", 3, 0, 7, 1), struct.pack("<i", 0)),
    "reply-bind-conn-fail": reply(BIND_CONN, struct.pack("<IIQI", 3, 0, 7, 1), struct.pack("<i", -EINVAL)),
    "reply-set-param": reply(SET_PARAM, struct.pack("<IIII", 3, 0, 15, 30)),
    "reply-start-conn": reply(START_CONN, sid_cid),
    "reply-stop-conn": reply(STOP_CONN, struct.pack("<IIQI", 3, 0, 0, 3)),
    "reply-send-pdu": reply(SEND_PDU, struct.pack("<IIII", 3, 0, 48, 0)),
    "reply-destroy-conn": reply(DESTROY_CONN, sid_cid),
    "reply-destroy-session": reply(DESTROY_SESSION, struct.pack("<I", 3)),
    "error-create-conn": if_error(CREATE_CONN, EEXIST, sid_cid),
    "error-create-session": if_error(CREATE_SESSION, ENOMEM),
    "error-get-stats": if_error(GET_STATS, EEXIST, sid_cid),
    "stats-iscsi-tcp": stats(3, 0, tcp_custom),
    "stats-no-custom": stats(3, 0, []),
    "stats-max-custom": stats(3, 0, [("custom%d" % i, i) for i in range(32)]),
    "event-conn-error": event(CONN_ERROR, struct.pack("<III", 3, 0, 1020)),
    "event-conn-error-nop": event(CONN_ERROR, struct.pack("<III", 3, 0, 1022)),
    "event-recv-logout-rsp": event(RECV_PDU, struct.pack("<IIQ", 3, 0, 0), logout_rsp),
    "event-recv-nop-in": event(RECV_PDU, struct.pack("<IIQ", 3, 0, 0), nop_in),
    "event-destroy-session": event(K_DESTROY_SESSION, struct.pack("<II", 2, 3)),
    "event-unbind-session": event(K_UNBIND_SESSION, struct.pack("<II", 3, 2)),
    "event-create-session": event(K_CREATE_SESSION, struct.pack("<II", 3, 2)),
    "event-login-state": event(CONN_LOGIN_STATE, struct.pack("<III", 3, 0, 3)),
    "multi-error-unbind-destroy": event(CONN_ERROR, struct.pack("<III", 3, 0, 1011))
        + event(K_UNBIND_SESSION, struct.pack("<II", 3, 2)) + event(K_DESTROY_SESSION, struct.pack("<II", 2, 3)),
    "multi-stats-then-reply": stats(3, 0, tcp_custom) + reply(STOP_CONN, struct.pack("<IIQI", 3, 0, 0, 3)),
    "bad-length-past-end": nlmsg(uevent(CONN_ERROR, r=struct.pack("<III", 3, 0, 1020)), length=4000),
    "bad-short-uevent": nlmsg(uevent(CONN_ERROR)[:20]) + reply(START_CONN, sid_cid),
    "bad-stats-custom-overflow": stats(3, 0, tcp_custom)[:-72 * 2],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "netlink-reply")
    os.makedirs(out, exist_ok=True)
    for name, msg in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"\0" + msg)


if __name__ == "__main__":
    main()

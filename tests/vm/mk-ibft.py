#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build an iSCSI Boot Firmware Table (iBFT 1.03) for qemu, so the guest kernel's iscsi_ibft
module finds real firmware data in ACPI.

Layout (offsets from the start of the ACPI table; the kernel checks the exact structure lengths,
ACPI revision 1, a zero byte sum and that each offset lies inside the table):
  0   ACPI header (36)            signature "iBFT", length, revision 1, checksum, OEM ids
  36  reserved (12)
  48  control (18)                id 1: initiator / NIC0 / target0 offsets (NIC1, target1 = 0)
  72  initiator (74)              id 2: name string
  152 NIC (102)                   id 3: IP, prefix, origin, gateway, DNS, DHCP, VLAN, MAC, PCI BDF
  256 target (54)                 id 4: IP, port, LUN, CHAP type, NIC association, strings
  312 strings                     NUL-terminated, referenced by (length, offset)
Addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d.

qemu keeps the header of `-acpitable file=` but gives `data=` its own ("QEMU", revision 1), so
the usual form is the body from offset 36 on:
  mk-ibft.py --body -o ibft.bin ...;  qemu -acpitable sig=iBFT,rev=1,oem_id=TESTFW,\\
      oem_table_id=IBFTTEST,data=ibft.bin
(qemu recomputes length and checksum). --full writes the whole table with its own checksum.
"""
import argparse
import ipaddress
import struct
import sys

HDR_ACPI = 36
OFF_CONTROL, OFF_INITIATOR, OFF_NIC, OFF_TARGET, OFF_STRINGS = 48, 72, 152, 256, 312
LEN_CONTROL, LEN_INITIATOR, LEN_NIC, LEN_TARGET = 18, 74, 102, 54
ID_CONTROL, ID_INITIATOR, ID_NIC, ID_TARGET = 1, 2, 3, 4
FLAG_VALID, FLAG_BOOT_SELECTED = 0x1, 0x2
ORIGIN_MANUAL, ORIGIN_DHCP = 1, 3
CHAP_NONE, CHAP_ONE_WAY, CHAP_MUTUAL = 0, 1, 2


def ip16(text):
    """16-byte iBFT address; all zeros for an empty field."""
    if not text:
        return bytes(16)
    a = ipaddress.ip_address(text)
    if a.version == 4:
        return bytes(10) + b"\xff\xff" + a.packed
    return a.packed


def mac6(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(f"bad MAC {text!r}")
    return bytes(int(p, 16) for p in parts)


def lun8(n):
    """SAM-2 single-level LUN: peripheral addressing below 256, flat space up to 16383."""
    if n < 256:
        return bytes([0, n]) + bytes(6)
    return bytes([0x40 | (n >> 8), n & 0xFF]) + bytes(6)


def hdr(ident, length, index=0, flags=FLAG_VALID | FLAG_BOOT_SELECTED, version=1):
    return struct.pack("<BBHBB", ident, version, length, index, flags)


class Strings:
    """The string area: each string NUL-terminated, referenced by (length, offset)."""

    def __init__(self, base):
        self.base, self.data = base, b""

    def add(self, text):
        if not text:
            return 0, 0
        raw = text.encode()
        off = self.base + len(self.data)
        self.data += raw + b"\0"
        return len(raw), off


def build(args):
    s = Strings(OFF_STRINGS)
    control = hdr(ID_CONTROL, LEN_CONTROL, flags=0) + struct.pack(
        "<HHHHHH", 0, OFF_INITIATOR, OFF_NIC, OFF_TARGET, 0, 0)
    iname = s.add(args.initiator)
    initiator = hdr(ID_INITIATOR, LEN_INITIATOR) + bytes(64) + struct.pack("<HH", *iname)
    net = ipaddress.ip_interface(args.ip)
    dhcp = args.dhcp_server is not None
    hostname = s.add(args.hostname)
    nic = hdr(ID_NIC, LEN_NIC) + ip16(str(net.ip)) + struct.pack(
        "<BB", net.network.prefixlen, ORIGIN_DHCP if dhcp else ORIGIN_MANUAL)
    nic += ip16(args.gateway) + ip16(args.dns) + ip16(args.dns2) + ip16(args.dhcp_server or "")
    nic += struct.pack("<H", args.vlan) + mac6(args.mac) + struct.pack("<H", args.pci_bdf)
    nic += struct.pack("<HH", *hostname)
    chap = CHAP_MUTUAL if args.rev_chap_name else CHAP_ONE_WAY if args.chap_name else CHAP_NONE
    strings = [s.add(args.target_name), s.add(args.chap_name), s.add(args.chap_secret),
               s.add(args.rev_chap_name), s.add(args.rev_chap_secret)]
    target = hdr(ID_TARGET, LEN_TARGET) + ip16(args.target_ip) + struct.pack("<H", args.target_port)
    target += lun8(args.lun) + struct.pack("<BB", chap, 0)
    for length, off in strings:
        target += struct.pack("<HH", length, off)

    table = bytearray(OFF_STRINGS + len(s.data))
    for off, part, length in ((OFF_CONTROL, control, LEN_CONTROL), (OFF_INITIATOR, initiator, LEN_INITIATOR),
                              (OFF_NIC, nic, LEN_NIC), (OFF_TARGET, target, LEN_TARGET)):
        assert len(part) == length, (off, len(part), length)
        table[off:off + length] = part
    table[OFF_STRINGS:] = s.data
    acpi = struct.pack("<4sIBB6s8sI4sI", b"iBFT", len(table), 1, 0, b"TESTFW", b"IBFTTEST", 1, b"TEST", 1)
    table[:HDR_ACPI] = acpi
    table[9] = (-sum(table)) & 0xFF
    return bytes(table)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--output", required=True)
    form = p.add_mutually_exclusive_group(required=True)
    form.add_argument("--body", action="store_true", help="bytes from offset 36 on, for qemu's data=")
    form.add_argument("--full", action="store_true", help="whole table with its own ACPI header")
    p.add_argument("--initiator", required=True, help="initiator IQN")
    p.add_argument("--mac", required=True)
    p.add_argument("--ip", required=True, help="the NIC's address/prefix, e.g. 192.168.219.102/24")
    p.add_argument("--gateway", default="")
    p.add_argument("--dns", default="")
    p.add_argument("--dns2", default="")
    p.add_argument("--dhcp-server", default=None, help="marks the address as DHCP-assigned")
    p.add_argument("--vlan", type=int, default=0)
    p.add_argument("--pci-bdf", type=lambda v: int(v, 0), default=0x28,
                   help="bus<<8 | dev<<3 | fn of the NIC (default 00:05.0)")
    p.add_argument("--hostname", default="")
    p.add_argument("--target-ip", required=True)
    p.add_argument("--target-port", type=int, default=3260)
    p.add_argument("--target-name", required=True)
    p.add_argument("--lun", type=int, default=0)
    p.add_argument("--chap-name", default="")
    p.add_argument("--chap-secret", default="")
    p.add_argument("--rev-chap-name", default="")
    p.add_argument("--rev-chap-secret", default="")
    args = p.parse_args()
    table = build(args)
    with open(args.output, "wb") as f:
        f.write(table[HDR_ACPI:] if args.body else table)


if __name__ == "__main__":
    sys.exit(main())

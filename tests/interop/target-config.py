#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the saveconfig.json used by the target conformance suite.

Usage: target-config.py WORKDIR PORT [--extra-portal PORT2] [--ipv6-portal PORT3] [--discovery-auth]
                        [--extra-target] [--plain-lun1] [--multipath MPPORT [--mp-state N]]
Targets (all on 127.0.0.1:PORT):
  CONF   fileio LUN 0 for libiscsi's iscsi-test-cu initiators (no auth); with --multipath
         the same LU also through TPG 2 on 127.0.0.1:MPPORT, in ALUA group "path_b" (id 1,
         access state N, default 1 = active/non-optimized) next to default_tg_pt_gp (TPG 1)
  CHAP   ramdisk LUNs 0 and 1 (1 write-protected) for CHAP_INIT (one-way CHAP),
         MUTUAL_INIT (mutual CHAP) and LUN 0 only for PLAIN_INIT (no CHAP)
  HIDDEN one LUN, ACL for another initiator only
"""
import json
import sys

work, port = sys.argv[1], int(sys.argv[2])
args = sys.argv[3:]
P = "iqn.2026-11.org.iscsi-tools.test"
LIBISCSI = "iqn.2007-10.com.github:sahlberg:libiscsi"


def portal(p, ip="127.0.0.1"):
    return {"ip_address": ip, "iser": False, "offload": False, "port": p}


def acl(name, luns, chap=None):
    a = {"attributes": {}, "node_wwn": name,
         "mapped_luns": [{"index": i, "tpg_lun": t, "write_protect": wp} for i, t, wp in luns]}
    if chap:
        a.update(chap)
    return a


def tpg(luns, acls, ports, auth=0, tag=1):
    return {"tag": tag, "enable": True,
            "attributes": {"authentication": auth, "generate_node_acls": 0, "demo_mode_write_protect": 1},
            "parameters": {},
            "luns": [{"index": i, "storage_object": so} for i, so in luns],
            "portals": [portal(p) for p in ports] + ([portal(v6_port, "[::1]")] if v6_port else []),
            "node_acls": acls}


ports = [port]
v6_port = int(args[args.index("--ipv6-portal") + 1]) if "--ipv6-portal" in args else None
if "--extra-portal" in args:
    ports.append(int(args[args.index("--extra-portal") + 1]))

cfg = {
    "fabric_modules": [],
    "storage_objects": [
        {"plugin": "fileio", "name": "conf0", "dev": f"{work}/conf0.img", "size": 128 * 1024 * 1024,
         "write_back": True, "attributes": {"block_size": 512}},
        {"plugin": "ramdisk", "name": "rd1", "size": 64 * 1024 * 1024, "attributes": {}},
        {"plugin": "ramdisk", "name": "rd2", "size": 32 * 1024 * 1024, "attributes": {}},
        {"plugin": "ramdisk", "name": "rd3", "size": 16 * 1024 * 1024, "attributes": {}},
    ],
    "targets": [
        # libiscsi lists targets in reverse order and iscsi-ls -s stops at the first one it
        # cannot log in to: the inaccessible target goes first so it is shown last.
        {"wwn": f"{P}:hidden", "fabric": "iscsi", "tpgs": [tpg(
            [(0, "/backstores/ramdisk/rd3")],
            [acl(f"{P}:someone-else", [(0, 0, False)])],
            ports)]},
        {"wwn": f"{P}:conf", "fabric": "iscsi", "tpgs": [tpg(
            [(0, "/backstores/fileio/conf0")],
            [acl(f"{LIBISCSI}:iscsi-test", [(0, 0, False)]),
             acl(f"{LIBISCSI}:iscsi-test-2", [(0, 0, False)]),
             acl(f"{P}:ping-init", [(0, 0, False)],
                 {"attributes": {"nopin_timeout": 1, "nopin_response_timeout": 2}})],
            ports)]},
        {"wwn": f"{P}:chap", "fabric": "iscsi", "tpgs": [tpg(
            [(0, "/backstores/ramdisk/rd1"), (1, "/backstores/ramdisk/rd2")],
            [acl(f"{P}:chap-init", [(0, 0, False), (1, 1, True)],
                 {"chap_userid": "chapuser", "chap_password": "chapsecret123"}),
             acl(f"{P}:mutual-init", [(0, 0, False)],
                 {"chap_userid": "muser", "chap_password": "msecret12345",
                  "chap_mutual_userid": "tuser", "chap_mutual_password": "tsecret12345"}),
             acl(f"{P}:plain-init", [(0, 0, False)] + ([(1, 1, False)] if "--plain-lun1" in args else []))],
            ports, auth=0)]},
    ],
}
if "--multipath" in args:
    mp_port = int(args[args.index("--multipath") + 1])
    mp_state = int(args[args.index("--mp-state") + 1]) if "--mp-state" in args else 1

    def alua_group(name, gid, state):
        g = {"alua_access_state": state, "alua_access_status": 0, "alua_access_type": 3,
             "alua_write_metadata": 0, "implicit_trans_secs": 0, "name": name, "nonop_delay_msecs": 100,
             "preferred": 0, "tg_pt_gp_id": gid, "trans_delay_msecs": 0}
        for s in ("active_nonoptimized", "active_optimized", "offline", "standby", "transitioning", "unavailable"):
            g["alua_support_" + s] = 1
        return g
    cfg["storage_objects"][0]["alua_tpgs"] = [alua_group("default_tg_pt_gp", 0, 0),
                                               alua_group("path_b", 1, mp_state)]
    conf = next(t for t in cfg["targets"] if t["wwn"] == f"{P}:conf")
    second = tpg([(0, "/backstores/fileio/conf0")], conf["tpgs"][0]["node_acls"], [mp_port], tag=2)
    second["portals"] = [portal(mp_port)]
    second["luns"][0]["alua_tg_pt_gp_name"] = "path_b"
    conf["tpgs"].append(second)
if "--discovery-auth" in args:
    cfg["fabric_modules"] = [{"name": "iscsi", "discovery_enable_auth": True,
                              "discovery_userid": "discuser", "discovery_password": "discsecret12"}]
if "--extra-target" in args:
    cfg["storage_objects"].append({"plugin": "ramdisk", "name": "rd4", "size": 8 * 1024 * 1024, "attributes": {}})
    cfg["targets"].append({"wwn": f"{P}:added", "fabric": "iscsi", "tpgs": [tpg(
        [(0, "/backstores/ramdisk/rd4")], [acl(f"{P}:plain-init", [(0, 0, False)])], ports)]})

json.dump(cfg, open(f"{work}/saveconfig.json.tmp", "w"), indent=2, sort_keys=True)
import os
os.rename(f"{work}/saveconfig.json.tmp", f"{work}/saveconfig.json")

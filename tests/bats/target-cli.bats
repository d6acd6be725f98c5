#!/usr/bin/env bats
# iscsi-target replays the seed walk-through command for command, with targetcli's messages,
# and its tree, JSON and error handling behave like targetcli's.

load target-helpers

setup() {
        setup_target_env
}

@test "walk-through: each command prints targetcli's messages" {
        run it /backstores/fileio create disk01 "$DISKS/disk01.img" 10G
        assert_success
        assert_output "Created fileio disk01 with size 10737418240"

        run it /iscsi create "$TGT"
        assert_success
        assert_output "Created target $TGT.
Created TPG 1.
Global pref auto_add_default_portal=true
Created default portal listening on all IPs (0.0.0.0), port 3260."

        run it "/iscsi/$TGT/tpg1/luns" create /backstores/fileio/disk01
        assert_success
        assert_output "Created LUN 0."

        run it "/iscsi/$TGT/tpg1/acls" create "$INI"
        assert_success
        assert_output "Created Node ACL for $INI
Created mapped LUN 0."

        run it "/iscsi/$TGT/tpg1/acls/$INI" set auth userid=username
        assert_success
        assert_output "Parameter userid is now 'username'."

        run it "/iscsi/$TGT/tpg1/acls/$INI" set auth password=password
        assert_success
        assert_output "Parameter password is now 'password'."
}

@test "walk-through: backing file is sparse and of the right size" {
        walkthrough
        [ "$(stat -c %s "$DISKS/disk01.img")" = 10737418240 ]
        # sparse: far fewer blocks than the size
        [ "$(stat -c %b "$DISKS/disk01.img")" -lt 1024 ]
}

@test "walk-through: ls draws targetcli's tree" {
        walkthrough
        run ls_folded
        assert_success
        assert_output "o- / ... [...]
  o- backstores ... [...]
  | o- block ... [Storage Objects: 0]
  | o- fileio ... [Storage Objects: 1]
  | | o- disk01 ... [$DISKS/disk01.img (10.0GiB) write-back activated]
  | |   o- alua ... [ALUA Groups: 1]
  | |     o- default_tg_pt_gp ... [ALUA state: Active/optimized]
  | o- ramdisk ... [Storage Objects: 0]
  o- iscsi ... [Targets: 1]
    o- $TGT ... [TPGs: 1]
      o- tpg1 ... [no-gen-acls, auth per-acl]
        o- acls ... [ACLs: 1]
        | o- $INI ... [1-way auth, Mapped LUNs: 1]
        |   o- mapped_lun0 ... [lun0 fileio/disk01 (rw)]
        o- luns ... [LUNs: 1]
        | o- lun0 ... [fileio/disk01 ($DISKS/disk01.img) (default_tg_pt_gp)]
        o- portals ... [Portals: 1]
          o- 0.0.0.0:3260 ... [OK]"
}

@test "ls: lines fill the width, a path and a depth limit the tree" {
        walkthrough
        run env COLUMNS=80 "$IT" ls /iscsi 1
        assert_success
        assert_line --index 0 --regexp '^o- iscsi \.+ \[Targets: 1\]$'
        [ "${#lines[0]}" -eq 80 ]
        [ "${#lines[@]}" -eq 2 ]
        run it "/iscsi/$TGT/tpg1" ls luns
        assert_success
        assert_line --index 1 --regexp '^  o- lun0 \.+ \[fileio/disk01 '
}

@test "walk-through: saved JSON has targetcli's schema and values" {
        walkthrough
        [ "$(json 'sorted(c.keys())')" = "['fabric_modules', 'storage_objects', 'targets']" ]
        so='c["storage_objects"][0]'
        [ "$(json "$so['plugin'], $so['name'], $so['dev'], $so['size'], $so['write_back']")" = \
          "('fileio', 'disk01', '$DISKS/disk01.img', 10737418240, True)" ]
        [ "$(json "$so['attributes']['block_size']")" = 512 ]
        t='c["targets"][0]'
        [ "$(json "$t['wwn'], $t['fabric']")" = "('$TGT', 'iscsi')" ]
        tpg="$t['tpgs'][0]"
        [ "$(json "$tpg['tag'], $tpg['enable']")" = "(1, True)" ]
        [ "$(json "$tpg['attributes']['authentication'], $tpg['attributes']['generate_node_acls'], $tpg['attributes']['demo_mode_write_protect']")" = "(0, 0, 1)" ]
        [ "$(json "$tpg['parameters']['MaxRecvDataSegmentLength']")" = 8192 ]
        [ "$(json "[(l['index'], l['storage_object']) for l in $tpg['luns']]")" = "[(0, '/backstores/fileio/disk01')]" ]
        [ "$(json "[(p['ip_address'], p['port'], p['iser'], p['offload']) for p in $tpg['portals']]")" = "[('0.0.0.0', 3260, False, False)]" ]
        acl="$tpg['node_acls'][0]"
        [ "$(json "$acl['node_wwn'], $acl['chap_userid'], $acl['chap_password']")" = "('$INI', 'username', 'password')" ]
        [ "$(json "'chap_mutual_userid' in $acl")" = False ]
        [ "$(json "[(m['index'], m['tpg_lun'], m['write_protect']) for m in $acl['mapped_luns']]")" = "[(0, 0, False)]" ]
        # Python's own json.dumps(sort_keys=True, indent=2) gives the same bytes: targetcli's layout
        python3 -c 'import json, sys; t = open(sys.argv[1]).read(); assert t == json.dumps(json.loads(t), sort_keys=True, indent=2) + "\n"' "$CONF"
}

@test "config file is 0600, replaced atomically, lock file beside it" {
        walkthrough
        [ "$(stat -c %a "$CONF")" = 600 ]
        [ -e "$CONF.lock" ]
        ino=$(stat -c %i "$CONF")
        it /backstores/ramdisk create rd1 16M
        [ "$(stat -c %i "$CONF")" != "$ino" ]
        [ "$(stat -c %a "$CONF")" = 600 ]
        # no temp files left behind
        [ "$(ls "$(dirname "$CONF")" | wc -l)" -eq 2 ]
}

@test "script with cd and relative paths, as typed in targetcli, gives the same config" {
        cat > "$BATS_TEST_TMPDIR/session" <<EOF
cd /backstores/fileio
create disk01 $DISKS/disk01.img 10G
cd /iscsi
create $TGT
cd $TGT/tpg1/luns
create /backstores/fileio/disk01
cd ../acls
create $INI
cd $INI
set auth userid=username
set auth password=password
exit
EOF
        run it -f "$BATS_TEST_TMPDIR/session"
        assert_success
        assert_line "Created fileio disk01 with size 10737418240"
        assert_line "Created mapped LUN 0."
        assert_line "Parameter password is now 'password'."
        assert_line --index 10 "Global pref auto_save_on_exit=true"
        assert_line --index 11 "Configuration saved to $CONF"
        [ "$(json "c['targets'][0]['tpgs'][0]['node_acls'][0]['chap_password']")" = password ]
}

@test "commands on stdin; a failing line stops the script and keeps earlier changes" {
        run it <<EOF
/backstores/ramdisk create rd1 1M
# comments and blank lines are skipped

/backstores/ramdisk create rd1 1M
/backstores/ramdisk create rd2 1M
EOF
        assert_failure
        assert_output --partial "Created ramdisk rd1 with size 1M."
        assert_output --partial "Storage object ramdisk/rd1 exists"
        assert_output --partial "stdin:4: command failed"
        [ "$(json "[s['name'] for s in c['storage_objects']]")" = "['rd1']" ]
}

@test "bad input: clear errors, non-zero exit, configuration unchanged" {
        walkthrough
        before=$(sha256sum < "$CONF")
        run it /iscsi/iqn.2022-08.com.test:nosuch ls
        assert_failure
        assert_output --partial "No such path /iscsi/iqn.2022-08.com.test:nosuch"
        run it /iscsi create not-an-iqn
        assert_failure
        assert_output --partial "WWN not valid"
        run it /iscsi create "$TGT"
        assert_failure
        assert_output --partial "already exists"
        run it /backstores/fileio create disk02 "$DISKS/disk02.img"
        assert_failure
        assert_output --partial "need a size"
        [ ! -e "$DISKS/disk02.img" ]
        run it /backstores/fileio create disk02 "$DISKS/disk02.img" 10X
        assert_failure
        assert_output --partial "not a valid size"
        run it /backstores/fileio create disk01 "$DISKS/other.img" 1M
        assert_failure
        assert_output --partial "Storage object fileio/disk01 exists"
        run it "/iscsi/$TGT/tpg1/luns" create /backstores/fileio/nosuch
        assert_failure
        assert_output --partial "Invalid storage object"
        run it "/iscsi/$TGT/tpg1/acls" create "$INI"
        assert_failure
        run it "/iscsi/$TGT/tpg1/acls" create "iqn.2022-8.bad"
        assert_failure
        assert_output --partial "not a valid name for an iSCSI initiator"
        run it "/iscsi/$TGT/tpg1" set attribute authentication=1 nosuch_attr=1
        assert_failure
        assert_output --partial "Unknown attribute 'nosuch_attr'"
        run it "/iscsi/$TGT/tpg1" set parameter MaxRecvDataSegmentLength=100
        assert_failure
        assert_output --partial "512-16777215"
        run it "/iscsi/$TGT/tpg1" set parameter HeaderDigest=MD5
        assert_failure
        run it "/iscsi/$TGT/tpg1/acls/$INI" set auth username=x
        assert_failure
        assert_output --partial "Unknown auth parameter"
        run it "/iscsi/$TGT/tpg1/portals" create 300.1.1.1 3260
        assert_failure
        assert_output --partial "not an IPv4 or IPv6 address"
        run it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1 3260
        assert_failure
        assert_output --partial "overlaps 0.0.0.0:3260"
        run it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1 99999
        assert_failure
        run it "/iscsi/$TGT" delete tpg7
        assert_failure
        run it /backstores/fileio frobnicate
        assert_failure
        assert_output --partial "Unknown command 'frobnicate'"
        run it /backstores create x
        assert_failure
        assert_output --partial "not available at /backstores"
        run it clearconfig
        assert_failure
        assert_output --partial "confirm=True"
        [ "$(sha256sum < "$CONF")" = "$before" ]
}

@test "portals, tpg attributes, parameters, enable/disable, discovery auth" {
        walkthrough
        run it "/iscsi/$TGT/tpg1/portals" delete 0.0.0.0 3260
        assert_success
        assert_output "Deleted network portal 0.0.0.0:3260"
        run it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1
        assert_success
        assert_output "Using default IP port 3260
Created network portal 127.0.0.1:3260."
        run it "/iscsi/$TGT/tpg1/portals" create ::1 3261
        assert_success
        assert_output "Created network portal [::1]:3261."
        run it "/iscsi/$TGT/tpg1/portals/[::1]:3261" ls
        assert_success
        run it "/iscsi/$TGT/tpg1/portals" delete "[::1]:3261"
        assert_success
        run it "/iscsi/$TGT/tpg1" set attribute authentication=1 generate_node_acls=1 demo_mode_write_protect=0 cache_dynamic_acls=1
        assert_success
        assert_line "Parameter generate_node_acls is now '1'."
        run it "/iscsi/$TGT/tpg1" set parameter MaxRecvDataSegmentLength=262144 ImmediateData=No
        assert_success
        run it "/iscsi/$TGT/tpg1" get attribute generate_node_acls authentication
        assert_success
        assert_output "generate_node_acls=1
authentication=1"
        run it "/iscsi/$TGT/tpg1" disable
        assert_output "The TPGT has been disabled."
        [ "$(json "c['targets'][0]['tpgs'][0]['enable']")" = False ]
        it "/iscsi/$TGT/tpg1" enable
        run it /iscsi set discovery_auth enable=1 userid=discuser password=discpass mutual_userid=tgt mutual_password=tgtpass1234
        assert_success
        assert_line "Parameter enable is now 'True'."
        tpg='c["targets"][0]["tpgs"][0]'
        [ "$(json "$tpg['attributes']['generate_node_acls'], $tpg['attributes']['cache_dynamic_acls'], $tpg['parameters']['ImmediateData']")" = "(1, 1, 'No')" ]
        [ "$(json "[(p['ip_address'], p['port']) for p in $tpg['portals']]")" = "[('127.0.0.1', 3260)]" ]
        f='c["fabric_modules"][0]'
        [ "$(json "$f['name'], $f['discovery_enable_auth'], $f['discovery_userid'], $f['discovery_password'], $f['discovery_mutual_userid']")" = \
          "('iscsi', True, 'discuser', 'discpass', 'tgt')" ]
        run it /iscsi get discovery_auth enable userid
        assert_output "enable=True
userid=discuser"
        run ls_folded /iscsi 0
        assert_output "o- iscsi ... [mutual auth discovery, Targets: 1]"
}

@test "ACL mutual CHAP, mapped LUNs with write_protect, LUN mapping into existing ACLs" {
        walkthrough
        it "/iscsi/$TGT/tpg1/acls/$INI" set auth mutual_userid=target01 mutual_password=mutualsecret
        it /backstores/ramdisk create rd1 64M
        run it "/iscsi/$TGT/tpg1/luns" create /backstores/ramdisk/rd1
        assert_success
        assert_output "Created LUN 1.
Created LUN 1->1 mapping in node ACL $INI"
        run it "/iscsi/$TGT/tpg1/acls/$INI" create 7 lun1 write_protect=true
        assert_success
        assert_output "Created Mapped LUN 7."
        acl='c["targets"][0]["tpgs"][0]["node_acls"][0]'
        [ "$(json "[(m['index'], m['tpg_lun'], m['write_protect']) for m in $acl['mapped_luns']]")" = \
          "[(0, 0, False), (1, 1, False), (7, 1, True)]" ]
        [ "$(json "$acl['chap_mutual_userid'], $acl['chap_mutual_password']")" = "('target01', 'mutualsecret')" ]
        run ls_folded "/iscsi/$TGT/tpg1/acls"
        assert_line "  o- $INI ... [mutual auth, Mapped LUNs: 3]"
        assert_line "    o- mapped_lun7 ... [lun1 ramdisk/rd1 (ro)]"
        # clearing a credential removes the key, like rtslib
        it "/iscsi/$TGT/tpg1/acls/$INI" set auth mutual_password=
        [ "$(json "'chap_mutual_password' in $acl")" = False ]
        run it "/iscsi/$TGT/tpg1/acls/$INI" get auth userid mutual_password
        assert_output "userid=username
mutual_password="
}

@test "delete at every level cascades like targetcli" {
        walkthrough
        it /backstores/ramdisk create rd1 1M
        it "/iscsi/$TGT/tpg1/luns" create /backstores/ramdisk/rd1 5
        run it "/iscsi/$TGT/tpg1/acls/$INI" delete mapped_lun0
        assert_output "Deleted Mapped LUN 0."
        run it /backstores/ramdisk delete rd1
        assert_success
        assert_output "Deleted storage object rd1."
        # LUN 5 and its mapping went with the storage object
        [ "$(json "[l['index'] for l in c['targets'][0]['tpgs'][0]['luns']]")" = "[0]" ]
        [ "$(json "c['targets'][0]['tpgs'][0]['node_acls'][0]['mapped_luns']")" = "[]" ]
        run it "/iscsi/$TGT/tpg1/luns" delete lun0
        assert_output "Deleted LUN 0."
        run it "/iscsi/$TGT/tpg1/acls" delete "$INI"
        assert_output "Deleted Node ACL $INI."
        run it "/iscsi/$TGT" create
        assert_output --partial "Created TPG 2."
        run it "/iscsi/$TGT" delete 2
        assert_output "Deleted TPG 2."
        run it /iscsi delete "$TGT"
        assert_output "Deleted Target $TGT."
        # fileio delete keeps the backing file, as targetcli does
        run it /backstores/fileio delete disk01
        assert_success
        [ -e "$DISKS/disk01.img" ]
        [ "$(json "c['storage_objects'], c['targets']")" = "([], [])" ]
}

@test "clearconfig confirm=True and saveconfig" {
        walkthrough
        run it saveconfig
        assert_output "Configuration saved to $CONF"
        run it saveconfig "$BATS_TEST_TMPDIR/copy.json"
        assert_success
        [ "$(stat -c %a "$BATS_TEST_TMPDIR/copy.json")" = 600 ]
        cmp "$CONF" "$BATS_TEST_TMPDIR/copy.json"
        run it clearconfig confirm=True
        assert_success
        assert_output "All configuration cleared"
        [ "$(json "c")" = "{'fabric_modules': [], 'storage_objects': [], 'targets': []}" ]
}

@test "/iscsi create without a name generates one like targetcli" {
        run it /iscsi create
        assert_success
        assert_line --index 0 --regexp '^Created target iqn\.2003-01\.org\.linux-iscsi\.[a-z0-9-]+\.[a-z0-9_]+:sn\.[0-9a-f]{12}\.$'
}

@test "block backstore on a loop device" {
        command -v losetup >/dev/null || skip "losetup not installed"
        truncate -s 8M "$BATS_TEST_TMPDIR/blk.img"
        dev=$(losetup -f --show "$BATS_TEST_TMPDIR/blk.img" 2>/dev/null) || skip "no loop devices here (needs root and the loop module)"
        run it /backstores/block create blk1 "$dev"
        losetup -d "$dev"
        assert_success
        assert_output "Created block storage object blk1 using $dev."
        [ "$(json "c['storage_objects'][0]['plugin'], c['storage_objects'][0]['readonly']")" = "('block', False)" ]
        run it /backstores/block create blk2 /dev/null
        assert_failure
        assert_output --partial "not a block device"
}

@test "help and usage" {
        run it --help
        assert_success
        assert_output --partial "Usage: iscsi-target"
        run it /iscsi help
        assert_success
        assert_line "  create [wwn]"
        run it --bogus-option
        [ "$status" -eq 2 ]
}

@test "a second target gets no default portal when 0.0.0.0:3260 would overlap" {
        it /iscsi create "$TGT" >/dev/null
        it "/iscsi/$TGT/tpg1/portals" delete 0.0.0.0 3260
        it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1 3260
        run it /iscsi create iqn.2024-01.org.example:second
        assert_success
        assert_line "Created TPG 1."
        assert_line "Default portal not created: 0.0.0.0:3260 would overlap an existing portal on port 3260."
        [ "$(json "c['targets'][1]['tpgs'][0]['portals']")" = "[]" ]
        # the same address and port in two TPGs is one shared listener: allowed
        run it /iscsi/iqn.2024-01.org.example:second/tpg1/portals create 127.0.0.1 3260
        assert_success
}

#!/usr/bin/env bats
# iscsi-target with existing files: a real targetcli file loads unchanged, unknown keys are
# warned about and kept, broken files are never overwritten, concurrent runs serialize.

load target-helpers

setup() {
        setup_target_env
        mkdir -p "$(dirname "$CONF")"
}

@test "a targetcli-saved file loads, lists, and survives a change byte for byte elsewhere" {
        cp "$FIXTURE" "$CONF"
        run it ls
        assert_success
        refute_output --partial "warning"
        assert_line --regexp '^  \| \| o- disk01 \.+ \[/var/lib/iscsi_disks/disk01\.img \(10\.0GiB\) write-back activated\]$'
        assert_line --regexp 'o- iqn\.1993-08\.org\.debian:01:8b2f3c4d5e6f \.+ \[mutual auth, Mapped LUNs: 1\]$'
        assert_line --regexp 'o- \[::1\]:3261 \.+ \[OK\]$'
        # a change that is undone gives the original bytes back (saved by our code both times)
        it /backstores/ramdisk create tmp1 1M
        it /backstores/ramdisk delete tmp1
        cmp "$FIXTURE" "$CONF"
}

@test "a change keeps everything else of a targetcli file" {
        cp "$FIXTURE" "$CONF"
        it "/iscsi/iqn.2022-08.com.test:dlp.target01/tpg1/portals" delete 0.0.0.0 3260
        python3 - "$FIXTURE" "$CONF" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
a["targets"][0]["tpgs"][0]["portals"] = []
assert a == b, "configuration changed beyond the deleted portal"
EOF
}

@test "unknown keys and attributes: warned about, kept on save" {
        python3 - "$FIXTURE" "$CONF" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["storage_objects"][0]["attributes"]["emulate_frobnication"] = 1
c["targets"][0]["tpgs"][0]["future_feature"] = {"x": [1, 2]}
c["vendor_extension"] = "kept"
open(sys.argv[2], "w").write(json.dumps(c, sort_keys=True, indent=2) + "\n")
EOF
        run it /backstores/ramdisk create rd9 1M
        assert_success
        assert_output --partial "warning: config: "
        assert_output --partial "unknown attribute 'emulate_frobnication'"
        assert_output --partial "unknown key 'future_feature'"
        assert_output --partial "unknown key 'vendor_extension'"
        [ "$(json "c['vendor_extension'], c['targets'][0]['tpgs'][0]['future_feature'], c['storage_objects'][0]['attributes']['emulate_frobnication']")" = \
          "('kept', {'x': [1, 2]}, 1)" ]
}

@test "malformed JSON: rejected with a line number, file left untouched" {
        printf '{\n  "targets": [\n    {"wwn": }\n  ]\n}\n' > "$CONF"
        before=$(sha256sum < "$CONF")
        run it /backstores/ramdisk create rd1 1M
        assert_failure
        assert_output --partial "line 3"
        assert_output --partial "refusing to change"
        run it ls
        assert_failure
        [ "$(sha256sum < "$CONF")" = "$before" ]
}

@test "inconsistent file (LUN without its storage object) is rejected, not rewritten" {
        python3 - "$FIXTURE" "$CONF" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
del c["storage_objects"][1]
open(sys.argv[2], "w").write(json.dumps(c, sort_keys=True, indent=2) + "\n")
EOF
        before=$(sha256sum < "$CONF")
        run it /iscsi create iqn.2024-01.org.example:new
        assert_failure
        assert_output --partial "/backstores/block/block1, which does not exist"
        [ "$(sha256sum < "$CONF")" = "$before" ]
}

@test "-c and ISCSI_TARGET_CONFIG choose the file" {
        other="$BATS_TEST_TMPDIR/other/saveconfig.json"
        run it -c "$other" /backstores/ramdisk create rd1 1M
        assert_success
        [ -e "$other" ]
        [ ! -e "$CONF" ]
        ISCSI_TARGET_CONFIG="$other" run "$IT" /backstores/ramdisk create rd2 1M
        assert_success
        [ "$(python3 -c 'import json,sys; print([s["name"] for s in json.load(open(sys.argv[1]))["storage_objects"]])' "$other")" = "['rd1', 'rd2']" ]
}

@test "concurrent invocations are serialized: no update is lost" {
        it /iscsi create "$TGT" >/dev/null
        pids=()
        for i in $(seq 1 12); do
                it /backstores/ramdisk create "rd$i" 1M >/dev/null &
                pids+=($!)
                it "/iscsi/$TGT/tpg1/acls" create "iqn.2024-01.org.example:ini$i" >/dev/null &
                pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p"; done
        [ "$(json "len(c['storage_objects'])")" = 12 ]
        [ "$(json "len(c['targets'][0]['tpgs'][0]['node_acls'])")" = 12 ]
}

@test "the shipped examples load and replay" {
        ex="$BATS_TEST_DIRNAME/../../iscsi-target/examples"
        cp "$ex/saveconfig.json" "$CONF"
        run it ls /iscsi
        assert_success
        refute_output --partial warning
        assert_line --regexp 'o- iqn\.2022-08\.com\.test:node01\.initiator01 \.+ \[1-way auth, Mapped LUNs: 1\]$'
        rm "$CONF"
        sed "s|/var/lib/iscsi_disks|$DISKS|" "$ex/walkthrough.iscsi-target" | it -f - >/dev/null
        # the same configuration, up to the generated serials and link names
        python3 - "$ex/saveconfig.json" "$CONF" "$DISKS" <<'PY'
import json, sys
def norm(c):
    for so in c["storage_objects"]:
        so["wwn"] = "-"; so["dev"] = so["dev"].replace(sys.argv[3], "/var/lib/iscsi_disks")
    for t in c["targets"]:
        for tpg in t["tpgs"]:
            for l in tpg["luns"]: l["alias"] = "-"
            for a in tpg["node_acls"]:
                for m in a["mapped_luns"]: m["alias"] = "-"
    return c
assert norm(json.load(open(sys.argv[1]))) == norm(json.load(open(sys.argv[2])))
PY
}

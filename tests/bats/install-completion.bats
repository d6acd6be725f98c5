#!/usr/bin/env bats
# bash completion (completion/iscsiadm, completion/iscsi-target): the completion functions are
# driven as bash does (COMP_WORDS / COMP_CWORD / COMP_LINE / COMP_POINT) with bash-completion
# loaded, against a node database and a saveconfig.json made by our own tools.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${BUILD_DIR:?BUILD_DIR must point at a meson build dir}"
SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
T1=iqn.2026-12.org.example:disk1
T2=iqn.2026-12.org.example:disk2

setup() {
        [ -r "$BASH_COMPLETION" ] || skip "bash-completion not installed ($BASH_COMPLETION)"
        export ISCSI_ROOT=$BATS_TEST_TMPDIR/root
        mkdir -p "$ISCSI_ROOT/etc/iscsi"
        echo "InitiatorName=iqn.2016-04.com.open-iscsi:bats" > "$ISCSI_ROOT/etc/iscsi/initiatorname.iscsi"
        export ISCSID_SOCKET=$BATS_TEST_TMPDIR/no-iscsid.sock
        export ISCSI_SYSFS_ROOT=$BATS_TEST_TMPDIR/sys
        mkdir -p "$ISCSI_SYSFS_ROOT/class/iscsi_session/session7"
        export ISCSI_TARGET_CONFIG=$BATS_TEST_TMPDIR/saveconfig.json
        export PATH=$BUILD_DIR/iscsiadm:$BUILD_DIR/iscsi-target/admin:$PATH
}

db() {
        iscsiadm -m node -o new -T $T1 -p 10.0.0.1 >/dev/null
        iscsiadm -m node -o new -T $T1 -p 10.0.0.2:3261 >/dev/null
        iscsiadm -m node -o new -T $T2 -p 10.0.0.3 >/dev/null
}

# complete PROGRAM LINE: what the completion offers for LINE (cursor at its end), one per line.
complete_line() {
        local prog=$1 line=$2
        bash -c '
                . "$1"; . "$2"
                COMP_LINE=$3; COMP_POINT=${#COMP_LINE}
                read -ra COMP_WORDS <<<"$COMP_LINE"
                [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                fn=$(complete -p "$4" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
                "$fn" "$4" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMPLETION" "$SRC/completion/$prog" "$line" "$prog"
}

@test "completion: iscsiadm -m offers the modes" {
        run complete_line iscsiadm "iscsiadm -m "
        assert_success
        assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "discovery discoverydb fw host iface node session "
}

@test "completion: iscsiadm -o and --loginall offer operations and startup modes" {
        run complete_line iscsiadm "iscsiadm -m node -o u"
        assert_output "update"
        run complete_line iscsiadm "iscsiadm -m node --loginall "
        assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "all automatic manual onboot "
}

@test "completion: iscsiadm option names are exactly the getopt_long table" {
        run complete_line iscsiadm "iscsiadm -m node --"
        assert_success
        got=$(echo "$output" | sort)
        want=$(sed -nE 's/.*\{ *"([a-z_]+)", *(no|required)_argument.*/--\1/p' "$SRC/iscsiadm/iscsiadm.c" | sort)
        [ -n "$want" ]
        assert_equal "$got" "$want"
}

@test "completion: iscsiadm -T offers the targets of the node database" {
        db
        run complete_line iscsiadm "iscsiadm -m node -T "
        assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "$T1 $T2 "
        # bash splits words at ':' (COMP_WORDBREAKS) and replaces only what follows the last
        # colon, so the reply for a name with a colon is that tail (__ltrim_colon_completions)
        run complete_line iscsiadm "iscsiadm -m node -T iqn.2026-12.org.example:disk2"
        assert_output "disk2"
}

@test "completion: iscsiadm -p offers the portals of the chosen target" {
        db
        run complete_line iscsiadm "iscsiadm -m node -T $T1 -p "
        assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "10.0.0.1:3260 10.0.0.2:3261 "
        run complete_line iscsiadm "iscsiadm -m node -p "
        assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "10.0.0.1:3260 10.0.0.2:3261 10.0.0.3:3260 "
}

@test "completion: iscsiadm -n offers the record keys, -v the values of node.startup" {
        db
        run complete_line iscsiadm "iscsiadm -m node -T $T1 -p 10.0.0.1 -o update -n node.sta"
        assert_output "node.startup"
        run complete_line iscsiadm "iscsiadm -m node -T $T1 -p 10.0.0.1 -o update -n node.session.auth."
        assert_line "node.session.auth.authmethod"
        assert_line "node.session.auth.password"
        run complete_line iscsiadm "iscsiadm -m node -T $T1 -p 10.0.0.1 -o update -n node.startup -v "
        assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "automatic manual onboot "
}

@test "completion: iscsiadm -r offers the session ids from sysfs" {
        run complete_line iscsiadm "iscsiadm -m session -r "
        assert_output "7"
}

@test "completion: iscsi-target paths come from the configuration" {
        iscsi-target -n /backstores/fileio create d1 "$BATS_TEST_TMPDIR/d1.img" 1M >/dev/null
        iscsi-target -n /iscsi create $T1 >/dev/null
        run complete_line iscsi-target "iscsi-target /"
        assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "/backstores/ /iscsi/ "
        run complete_line iscsi-target "iscsi-target /backstores/f"
        assert_output "/backstores/fileio/"
        run complete_line iscsi-target "iscsi-target /iscsi/"
        assert_output "/iscsi/$T1/"
        run complete_line iscsi-target "iscsi-target /iscsi/$T1/tpg1/l"
        assert_output "disk1/tpg1/luns/"   # the part after the IQN's colon, as for -T
}

@test "completion: iscsi-target verbs come from the path's help" {
        iscsi-target -n /iscsi create $T1 >/dev/null
        run complete_line iscsi-target "iscsi-target /backstores/fileio "
        assert_line "create"
        assert_line "delete"
        assert_line "ls"
        run complete_line iscsi-target "iscsi-target /iscsi/$T1/tpg1 en"
        assert_output "enable"
        run complete_line iscsi-target "iscsi-target save"
        assert_output "saveconfig"
        run complete_line iscsi-target "iscsi-target --no"
        assert_output "--no-reload"
}

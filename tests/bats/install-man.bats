#!/usr/bin/env bats
# Man pages (man/*.scd, built by meson with scdoc): every option a program accepts - what its
# --help prints and every entry of its getopt_long table in the source - appears in its page;
# iscsiadm(8) lists every exit code; iscsid.conf(5) every key of the shipped iscsid.conf.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${BUILD_DIR:?BUILD_DIR must point at a meson build dir}"
SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# Option spellings in a --help text: -x and --long-name tokens; bundles such as [-hV] are
# split into -h -V.
help_options() {
        grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9_-]*' | sed -E 's/^[][ ,|(]//' |
        while read -r o; do
                if [[ $o =~ ^-[A-Za-z]{2,}$ ]]; then
                        for ((i = 1; i < ${#o}; i++)); do echo "-${o:i:1}"; done
                else
                        echo "$o"
                fi
        done | sort -u
}

# Option spellings in a C file's getopt_long table: --name for { "name", ..., 'c' }, and -c
# when c is also in the getopt_long short option string (so it is really accepted).
table_options() {
        local shorts
        shorts=$(sed -nE 's/.*getopt_long\([^"]*"([^"]*)".*/\1/p' "$@" | tr -d ':+-')
        sed -nE 's/.*\{ *"([a-z][a-z0-9_-]*)", *(no|required|optional)_argument, *[A-Za-z0-9_&]+, *(.*) *\}.*/\1 \3/p' "$@" |
        while read -r long short; do
                echo "--$long"
                if [[ $short =~ ^\'(.)\'$ ]] && [[ $shorts == *"${BASH_REMATCH[1]}"* ]]; then
                        echo "-${BASH_REMATCH[1]}"
                fi
        done | sort -u
}

# Fails listing the options of stdin that the page does not mention (as a whole word).
assert_in_page() {
        local page=$1 missing="" o
        while read -r o; do
                grep -qE -- "(^|[^A-Za-z0-9_-])$o([^A-Za-z0-9_-]|$)" "$page" || missing+=" $o"
        done
        [ -z "$missing" ] || { echo "$page does not mention:$missing"; return 1; }
}

check_program() {   # check_program BINARY PAGE SOURCE...
        local bin=$1 page=$SRC/man/$2.scd
        shift 2
        run "$BUILD_DIR/$bin" --help
        assert_success
        [ -n "$output" ]
        echo "$output" | help_options | assert_in_page "$page"
        [ $# -eq 0 ] || table_options "$@" | assert_in_page "$page"
}

@test "man: every page is built by meson (scdoc)" {
        for p in iscsiadm.8 iscsid.8 iscsid.conf.5 iscsi-iname.8 iscsi-targetd.8 iscsi-target.8 iscsistart.8; do
                [ -s "$BUILD_DIR/man/$p" ] || { echo "missing $BUILD_DIR/man/$p"; return 1; }
                grep -q '^\.TH' "$BUILD_DIR/man/$p"
        done
}

@test "man: iscsiadm(8) has every option of iscsiadm --help and of its option table" {
        check_program iscsiadm/iscsiadm iscsiadm.8 "$SRC/iscsiadm/iscsiadm.c"
}

@test "man: iscsid(8) has every option of iscsid --help and of its option table" {
        check_program iscsid/iscsid iscsid.8 "$SRC"/iscsid/main.c
}

@test "man: iscsi-iname(8) has every option of iscsi-iname --help and of its option table" {
        check_program iscsiadm/iscsi-iname iscsi-iname.8 "$SRC/iscsiadm/iscsi-iname.c"
}

@test "man: iscsi-targetd(8) has every option of iscsi-targetd --help and of its option table" {
        check_program iscsi-target/daemon/iscsi-targetd iscsi-targetd.8 "$SRC"/iscsi-target/daemon/main.c
}

@test "man: iscsi-target(8) has every option of iscsi-target --help and of its option table" {
        check_program iscsi-target/admin/iscsi-target iscsi-target.8 "$SRC"/iscsi-target/admin/main.c
}

@test "man: iscsistart(8) has every option of iscsistart --help and of its option table" {
        check_program iscsistart/iscsistart iscsistart.8 "$SRC/iscsistart/iscsistart.c"
}

@test "man: iscsiadm(8) EXIT STATUS lists every exit code with its text (exit-code.h/.c)" {
        local page=$SRC/man/iscsiadm.8.scd missing="" name code text
        section=$(sed -n '/^# EXIT STATUS/,/^# [A-Z]/p' "$page")
        n=0
        while read -r name code; do
                text=$(sed -nE "s/.*\[$name\] = \"(.*)\",.*/\1/p" "$SRC/libiscsi-node/src/exit-code.c")
                [ -n "$text" ] || { missing+=" $code(no text in exit-code.c)"; continue; }
                echo "$section" | grep -qxF -- "$(printf '%3s  %s' "$code" "$text")" || missing+=" $code"
                n=$((n + 1))
        done < <(sed -nE 's/^ *(ISCSI_[A-Z_]+) *= *([0-9]+),.*/\1 \2/p' "$SRC/libiscsi-node/include/iscsi-node/exit-code.h")
        [ "$n" -ge 30 ]
        [ -z "$missing" ] || { echo "exit codes missing from iscsiadm(8) or with another text:$missing"; return 1; }
}

@test "man: iscsid.conf(5) describes every key of the shipped iscsid.conf" {
        local page=$SRC/man/iscsid.conf.5.scd missing=""
        keys=$(sed -nE 's/^#?([a-z]+\.[A-Za-z0-9_.]+(\[[0-9]\][A-Za-z0-9_.]*)?) *=.*/\1/p' "$SRC/etc/iscsid.conf" | sort -u)
        [ "$(echo "$keys" | wc -l)" -ge 30 ]
        for k in $keys; do
                grep -qF -- "*$k*" "$page" || missing+=" $k"
        done
        [ -z "$missing" ] || { echo "keys missing from iscsid.conf(5):$missing"; return 1; }
}

#!/usr/bin/env bash
# 65-systemd: the toolkit installed like a distribution ships it (issue 10).
#  1. bats: man pages against --help and the option tables, bash completion functions;
#  2. two systemd guests (tests/vm/sd/run-pair.sh sd-target sd-initiator): the target guest with
#     iscsi-targetd.service, the initiator guest with exactly `meson install --destdir` output,
#     four boots of it; together with its first boot, a reference boot of the same image
#     without the project (SD_PACKAGE=0) for the boot time ratio.
# Prints every detail step, then one TAP step per scenario of the issue: ok iff it has steps
# and all of them passed. Wall time 11-16 min measured on the 2-core host at load 10-16 (7 TCG
# boots + 2 boots in parallel; tests/vm/README.md).
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}" "${OUT_DIR:?}"
export SRC_DIR BUILD_DIR OUT_DIR
out=$OUT_DIR/65-systemd
rm -rf "$out"; mkdir -p "$out"
scenarios=("boot auto-login" "shutdown order" "boot with no nodes" "socket activation"
           "iscsid restart" "reboot loop" "startup modes" "target unit")

if command -v bats >/dev/null; then
  setsid timeout 300 bats --formatter tap "$SRC_DIR"/tests/bats/install-man.bats \
    "$SRC_DIR"/tests/bats/install-completion.bats > "$out/bats.tap" 2>&1
else
  echo "ok 1 - install bats # SKIP bats not installed" > "$out/bats.tap"
fi

# The reference boot (SD_PACKAGE=0) starts together with the initiator's first boot, so that
# both boots see the same host load (TCG boot times swing 2-4x on a shared host); it uses the
# initiator's NIC setup (a UDP peer that is not there).
SD_OUT=$out/pair "$SRC_DIR/tests/vm/sd/run-pair.sh" sd-target sd-initiator > "$out/pair.tap" 2> "$out/pair.log" &
pair=$!
trap 'kill $pair 2>/dev/null' EXIT
while [ ! -d "$out/pair/second/boot-1" ] && kill -0 $pair 2>/dev/null; do sleep 0.5; done
read -r p1 p2 < <(python3 -c '
import socket
s = [socket.socket(type=socket.SOCK_DGRAM) for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
SD_PACKAGE=0 SD_OUT=$out/baseline SD_NET=udp:$p1:$p2 SD_IP=10.0.3.2/24 SD_MAC=52:54:00:00:03:02 \
  "$SRC_DIR/tests/vm/sd/run.sh" sd-baseline > "$out/baseline.tap" 2> "$out/baseline.log"
wait $pair
trap - EXIT

mark() { sed -n "s/^# sd\/[^ ]* mark $1 //p" "$out"/*.tap | head -1; }
with=$(mark userspace_with_package) without=$(mark userspace_without_package)

. "$SRC_DIR/tests/lib/sd-steps.sh"
cat "$out/bats.tap" "$out/baseline.tap" "$out/pair.tap" > "$out/all.tap"
sd_detail_steps "$out/all.tap" "${scenarios[@]}"

# The boot time with / without the package is printed, not judged: the two boots run at the
# same time, yet on the shared 2-core host (load 15-23) they still differed by up to 1.78x with
# nothing of ours running. What proves that nothing of ours delays the boot are the structural
# steps above (network-online.target not pulled in, iscsid not started, no unit of ours on the
# critical chain). The step fails only when a measurement is missing.
ratio=""
n=$((n + 1))
if [ -n "$with" ] && [ -n "$without" ]; then
  ratio=$(awk -v a="$with" -v b="$without" 'BEGIN{printf "%.2f", a/b}')
  echo "ok $n - boot with no nodes: userspace boot time with/without the package ${with}s/${without}s = $ratio"
else
  echo "not ok $n - boot with no nodes: boot time with/without the package measured (with='$with' without='$without')"
  failed=1 sd_bad["boot with no nodes"]=1
fi
[ -n "$ratio" ] && sd_extra["boot with no nodes"]=" (boot time ratio with/without the package: $ratio)"
sd_summary_steps "$out/all.tap" "$out/pair.log" "" "${scenarios[@]}"
if [ $failed = 1 ]; then
  echo "# 65-systemd: logs in $out (baseline.log, pair.log; per boot: pair/{first,second}/boot-N/)"
  tail -n 80 "$out/pair.log" >&2
fi
echo "1..$n"
exit $failed

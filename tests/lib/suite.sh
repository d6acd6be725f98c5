# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the bash suites that drive iscsi-targetd (tests/suites/40-target-conformance.sh,
# 45-target-hostile.sh): TAP lines numbered in $N, free ports on 127.0.0.1, and a bounded stop
# for a daemon. Nothing here contacts anything but 127.0.0.1.

N=${N:-0}
tap() {   # tap ok|not-ok|skip NAME [REASON]
        N=$((N + 1))
        case $1 in
        ok) echo "ok $N - $2" ;;
        skip) echo "ok $N - $2 # SKIP $3" ;;
        *) echo "not ok $N - $2${3:+: $3}" ;;
        esac
}
tap_lines() {   # renumber a helper's unnumbered "ok - x" / "not ok - x" lines; the rest to stderr
        local line
        while IFS= read -r line; do
                case $line in
                "ok - "*) N=$((N + 1)); echo "ok $N - ${line#ok - }" ;;
                "not ok - "*) N=$((N + 1)); echo "not ok $N - ${line#not ok - }" ;;
                *) echo "# $line" >&2 ;;
                esac
        done
}

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {   # wait_port PORT: up to 10 s for 127.0.0.1:PORT to accept a connection
        for _ in $(seq 100); do
                (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
                sleep 0.1
        done
        return 1
}

stop_pid() {   # stop_pid PID: SIGTERM, up to 5 s to exit, then SIGKILL; no-op without a PID
        local pid=$1
        [ -n "$pid" ] || return 0
        kill "$pid" 2>/dev/null || return 0
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
}

# Every libFuzzer harness, its path in a -Dfuzz=true build tree and its seed corpus in the source
# tree. Sourced by tests/suites/30-fuzz.sh (short run) and bench/fuzz.sh (long run).
HARNESSES=(fuzz-pdu fuzz-sendtargets fuzz-keys fuzz-chap fuzz-login fuzz-target-login fuzz-target-config
           fuzz-record fuzz-iscsid-conf fuzz-initiatorname fuzz-ipc fuzz-ipc-client fuzz-sysfs-session fuzz-isns
           fuzz-ibft fuzz-netlink-reply)
harness_path() { case $1 in fuzz-target-config) echo iscsi-target/config/$1 ;; *) echo fuzz/$1 ;; esac; }
harness_seeds() { case $1 in fuzz-target-config) echo iscsi-target/config/tests ;; *) echo fuzz/corpus/${1#fuzz-} ;; esac; }

# A stand-in for the kernel's scsi_transport_iscsi sysfs objects, laid out as Linux 6.1 lays
# them out for iscsi_tcp, so both our iscsiadm (ISCSI_SYSFS_ROOT) and Debian's (this tree
# bind-mounted over /sys) read it. Class links are relative, as the kernel's are.

# fake_sysfs_init S: the transport class and module version every session needs.
fake_sysfs_init() {
        local S=$1
        mkdir -p "$S/class/iscsi_session" "$S/class/iscsi_connection" "$S/class/iscsi_host" \
                "$S/class/scsi_host" "$S/class/iscsi_transport/tcp" "$S/module/scsi_transport_iscsi" \
                "$S/class/iscsi_iface"
        echo 1 > "$S/class/iscsi_transport/tcp/handle"
        echo 0x839 > "$S/class/iscsi_transport/tcp/caps"
        echo 2.0-870 > "$S/module/scsi_transport_iscsi/version"
}

# fake_sysfs_session S SID HOST TARGET ADDR PORT TPGT [SESSION_STATE [CONN_STATE]]
# A logged-in session with the kernel's attribute values (unset strings read "(null)",
# digests and booleans as integers; creator is iscsid's pid, -1 only for offload flash
# sessions). CONN_STATE "down" with SESSION_STATE FAILED is a session
# in recovery: the kernel then fails reads of the connection's address and port (ENOTCONN,
# no socket); a directory in their place makes reads fail the same way here.
fake_sysfs_session() {
        local S=$1 sid=$2 host=$3 target=$4 addr=$5 port=$6 tpgt=$7 state=${8:-LOGGED_IN} cstate=${9:-up}
        local hdir="devices/platform/host$host"
        local sdir="$hdir/session$sid/iscsi_session/session$sid"
        local cdir="$hdir/session$sid/connection$sid:0/iscsi_connection/connection$sid:0"
        local f v
        mkdir -p "$S/$sdir" "$S/$cdir" "$S/$hdir/iscsi_host/host$host" "$S/$hdir/scsi_host/host$host"
        for f in targetname:"$target" tpgt:"$tpgt" ifacename:default initiatorname:iqn.2016-04.com.open-iscsi:diff \
                 state:"$state" recovery_tmo:120 abort_tmo:15 lu_reset_tmo:30 tgt_reset_tmo:30 \
                 username:"(null)" password:"(null)" username_in:"(null)" password_in:"(null)" \
                 first_burst_len:65536 max_burst_len:262144 immediate_data:1 initial_r2t:1 \
                 max_outstanding_r2t:1 erl:0 data_pdu_in_order:1 data_seq_in_order:1 fast_abort:1 \
                 targetalias:"(null)" creator:4242 target_id:0 target_state:ACTIVE; do
                echo "${f#*:}" > "$S/$sdir/${f%%:*}"
        done
        if [ "$cstate" = up ]; then
                echo "$addr" > "$S/$cdir/address"; echo "$port" > "$S/$cdir/port"
        else
                mkdir -p "$S/$cdir/address" "$S/$cdir/port"
        fi
        for f in persistent_address:"$addr" persistent_port:"$port" state:"$cstate" header_digest:0 data_digest:0 \
                 max_recv_dlength:262144 max_xmit_dlength:65536 exp_statsn:5 ping_tmo:5 recv_tmo:5; do
                echo "${f#*:}" > "$S/$cdir/${f%%:*}"
        done
        for f in ipaddress:127.0.0.1 netdev:"(null)" hwaddress:"(null)" initiatorname:iqn.2016-04.com.open-iscsi:diff \
                 port_state:Unknown port_speed:Unknown; do
                echo "${f#*:}" > "$S/$hdir/iscsi_host/host$host/${f%%:*}"
        done
        echo iscsi_tcp > "$S/$hdir/scsi_host/host$host/proc_name"
        : > "$S/$hdir/scsi_host/host$host/scan"
        echo running > "$S/$hdir/scsi_host/host$host/state"
        ln -sfn "../../../session$sid" "$S/$sdir/device"
        ln -sfn "../../$sdir" "$S/class/iscsi_session/session$sid"
        ln -sfn "../../$cdir" "$S/class/iscsi_connection/connection$sid:0"
        ln -sfn "../../$hdir/iscsi_host/host$host" "$S/class/iscsi_host/host$host"
        ln -sfn "../../$hdir/scsi_host/host$host" "$S/class/scsi_host/host$host"
}

# fake_sysfs_disk S SID HOST LUN DISK: a SCSI disk of that session (target HOST:0:0).
fake_sysfs_disk() {
        local S=$1 sid=$2 host=$3 lun=$4 disk=$5
        local tdir="$S/devices/platform/host$host/session$sid/target$host:0:0"
        local ddir="$tdir/$host:0:0:$lun"
        mkdir -p "$ddir/block/$disk" "$ddir/scsi_device/$host:0:0:$lun" "$S/bus/scsi/devices" "$S/block"
        ln -sfn "../../../devices/platform/host$host/session$sid/target$host:0:0/$host:0:0:$lun" \
                "$S/bus/scsi/devices/$host:0:0:$lun"
        ln -sfn "../devices/platform/host$host/session$sid/target$host:0:0/$host:0:0:$lun/block/$disk" "$S/block/$disk"
        echo running > "$ddir/state"
        echo LIO-ORG > "$ddir/vendor"
        echo disk0 > "$ddir/model"
        echo 4.0 > "$ddir/rev"
        echo 0 > "$ddir/type"
}

fake_sysfs_remove_session() {
        local S=$1 sid=$2 host=$3
        rm -rf "$S/devices/platform/host$host" "$S/class/iscsi_session/session$sid" \
                "$S/class/iscsi_connection/connection$sid:0" "$S/class/iscsi_host/host$host" "$S/class/scsi_host/host$host"
}

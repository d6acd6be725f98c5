/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The attribute and parameter names LIO exposes (and targetcli saves), with their defaults.
 * A name outside these tables is still loaded and saved back, only warned about. */

#include "model-internal.h"
#include "iscsi-util/macro.h"

/* Backstore device attributes (configfs .../attrib, writable ones, as rtslib dumps them).
 * Values are LIO's for a write-back fileio object (targetcli's default) on a file that
 * supports hole punching. */
static const TcAttrDefault storage_object_attrs[] = {
        { "block_size", "512" },
        { "emulate_3pc", "1" },
        { "emulate_caw", "1" },
        { "emulate_dpo", "1" },
        { "emulate_fua_read", "1" },
        { "emulate_fua_write", "1" },
        { "emulate_model_alias", "1" },
        { "emulate_pr", "1" },
        { "emulate_rest_reord", "0" },
        { "emulate_rsoc", "1" },
        { "emulate_tas", "1" },
        { "emulate_tpu", "0" },
        { "emulate_tpws", "0" },
        { "emulate_ua_intlck_ctrl", "0" },
        { "emulate_write_cache", "1" },
        { "enforce_pr_isids", "1" },
        { "force_pr_aptpl", "0" },
        { "is_nonrot", "0" },
        { "max_unmap_block_desc_count", "1" },
        { "max_unmap_lba_count", "8192" },
        { "max_write_same_len", "4096" },
        { "optimal_sectors", "16384" },
        { "pi_prot_format", "0" },
        { "pi_prot_type", "0" },
        { "pi_prot_verify", "0" },
        { "queue_depth", "128" },
        { "unmap_granularity", "1" },
        { "unmap_granularity_alignment", "0" },
        { "unmap_zeroes_data", "0" },
};

/* Device attributes that some kernels expose (read-only ones, newer ones); known, so not
 * warned about, but not written into new objects. */
static const char *const storage_object_attrs_other[] = {
        "alua_support", "pgr_support", "emulate_legacy_pr", "submit_type", "complete_type", "hw_pi_prot_type",
};

static const TcAttrDefault tpg_attrs[] = {
        { "authentication", "0" },
        { "cache_dynamic_acls", "0" },
        { "default_cmdsn_depth", "64" },
        { "default_erl", "0" },
        { "demo_mode_discovery", "1" },
        { "demo_mode_write_protect", "1" },
        { "fabric_prot_type", "0" },
        { "generate_node_acls", "0" },
        { "login_keys_offload", "0" },
        { "login_timeout", "15" },
        { "netif_timeout", "2" },
        { "prod_mode_write_protect", "0" },
        { "t10_pi", "0" },
        { "tpg_enabled_sendtargets", "1" },
};

static const TcAttrDefault tpg_params[] = {
        { "AuthMethod", "CHAP,None" },
        { "DataDigest", "CRC32C,None" },
        { "DataPDUInOrder", "Yes" },
        { "DataSequenceInOrder", "Yes" },
        { "DefaultTime2Retain", "20" },
        { "DefaultTime2Wait", "2" },
        { "ErrorRecoveryLevel", "0" },
        { "FirstBurstLength", "65536" },
        { "HeaderDigest", "CRC32C,None" },
        { "IFMarkInt", "Reject" },
        { "IFMarker", "No" },
        { "ImmediateData", "Yes" },
        { "InitialR2T", "Yes" },
        { "MaxBurstLength", "262144" },
        { "MaxConnections", "1" },
        { "MaxOutstandingR2T", "1" },
        { "MaxRecvDataSegmentLength", "8192" },
        { "MaxXmitDataSegmentLength", "262144" },
        { "OFMarkInt", "Reject" },
        { "OFMarker", "No" },
        { "TargetAlias", "LIO Target" },
};

/* authentication: -1 inherits the TPG's attribute, 0/1 override it (Linux 5.x and later). */
static const TcAttrDefault acl_attrs[] = {
        { "authentication", "-1" },
        { "dataout_timeout", "3" },
        { "dataout_timeout_retries", "5" },
        { "default_erl", "0" },
        { "nopin_response_timeout", "30" },
        { "nopin_timeout", "15" },
        { "random_datain_pdu_offsets", "0" },
        { "random_datain_seq_offsets", "0" },
        { "random_r2t_offsets", "0" },
};

const TcAttrDefault *tc_attr_defaults(TcAttrGroup g, size_t *ret_n) {
        switch (g) {
        case TC_ATTRS_STORAGE_OBJECT:
                *ret_n = ELEMENTSOF(storage_object_attrs);
                return storage_object_attrs;
        case TC_ATTRS_TPG:
                *ret_n = ELEMENTSOF(tpg_attrs);
                return tpg_attrs;
        case TC_ATTRS_TPG_PARAMETERS:
                *ret_n = ELEMENTSOF(tpg_params);
                return tpg_params;
        case TC_ATTRS_ACL:
                *ret_n = ELEMENTSOF(acl_attrs);
                return acl_attrs;
        default:
                *ret_n = 0;
                return NULL;
        }
}

bool tc_attr_is_known(TcAttrGroup g, const char *name) {
        size_t n;
        const TcAttrDefault *t = tc_attr_defaults(g, &n);
        for (size_t i = 0; i < n; i++)
                if (streq(t[i].name, name))
                        return true;
        if (g == TC_ATTRS_STORAGE_OBJECT)
                for (size_t i = 0; i < ELEMENTSOF(storage_object_attrs_other); i++)
                        if (streq(storage_object_attrs_other[i], name))
                                return true;
        return false;
}

const TcAttrInfo *tc_attr_table(const char *group, size_t *ret_n) {
        static const char *const groups[_TC_ATTRS_MAX] = {
                [TC_ATTRS_STORAGE_OBJECT] = "storage_object",
                [TC_ATTRS_TPG] = "tpg",
                [TC_ATTRS_TPG_PARAMETERS] = "tpg_parameter",
                [TC_ATTRS_ACL] = "acl",
        };
        for (int g = 0; g < _TC_ATTRS_MAX; g++)
                if (streq(group, groups[g]))
                        return tc_attr_defaults(g, ret_n);
        *ret_n = 0;
        return NULL;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The iSNS messages of iSCSI initiators and targets; see isns-iscsi.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/isns-iscsi.h"
#include "iscsi-util/macro.h"

static void msg_start(struct iscsi_isns_msg *m, uint16_t function, uint16_t xid) {
        *m = (struct iscsi_isns_msg) { .function = function, .flags = ISNS_F_CLIENT, .xid = xid };
}

/* Hand a finished message to the caller, or free it on error. */
static int msg_finish(struct iscsi_isns_msg *m, int k, struct iscsi_isns_msg *ret) {
        if (k < 0) {
                iscsi_isns_msg_clear(m);
                return k;
        }
        *ret = *m;
        return 0;
}

int iscsi_isns_build_initiator_reg(uint16_t xid, const char *initiator, struct iscsi_isns_msg *ret) {
        struct iscsi_isns_msg m;
        int k;

        msg_start(&m, ISNS_DEV_ATTR_REG, xid);
        k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, initiator);
        if (k >= 0)
                k = iscsi_isns_add_delimiter(&m);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_ENTITY_PROTOCOL, ISNS_ENTITY_PROTOCOL_ISCSI);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, initiator);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_INITIATOR);
        return msg_finish(&m, k, ret);
}

int iscsi_isns_build_initiator_scn_reg(uint16_t xid, const char *initiator, const char *address, uint16_t scn_port,
                                       struct iscsi_isns_msg *ret) {
        struct iscsi_isns_msg m;
        int k;

        msg_start(&m, ISNS_DEV_ATTR_REG, xid);
        k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, initiator);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ENTITY_ID, initiator);
        if (k >= 0)
                k = iscsi_isns_add_delimiter(&m);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ENTITY_ID, initiator);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_ENTITY_PROTOCOL, ISNS_ENTITY_PROTOCOL_ISCSI);
        if (k >= 0)
                k = iscsi_isns_add_ip(&m, ISNS_TAG_PORTAL_IP, address);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_PORTAL_PORT, scn_port);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_SCN_PORT, scn_port);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, initiator);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_INITIATOR);
        return msg_finish(&m, k, ret);
}

int iscsi_isns_build_node_dereg(uint16_t xid, const char *name, struct iscsi_isns_msg *ret) {
        struct iscsi_isns_msg m;
        int k;

        msg_start(&m, ISNS_DEV_DEREG, xid);
        k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, name);
        if (k >= 0)
                k = iscsi_isns_add_delimiter(&m);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, name);
        return msg_finish(&m, k, ret);
}

int iscsi_isns_build_target_query(uint16_t xid, const char *source, struct iscsi_isns_msg *ret) {
        static const uint32_t wanted[] = {
                ISNS_TAG_ISCSI_NAME, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_TAG_PG_ISCSI_NAME,
                ISNS_TAG_PG_PORTAL_IP, ISNS_TAG_PG_PORTAL_PORT, ISNS_TAG_PG_TAG,
        };
        struct iscsi_isns_msg m;
        int k;

        msg_start(&m, ISNS_DEV_ATTR_QRY, xid);
        k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, source);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_TARGET);
        if (k >= 0)
                k = iscsi_isns_add_delimiter(&m);
        for (size_t i = 0; k >= 0 && i < ELEMENTSOF(wanted); i++)
                k = iscsi_isns_add_nil(&m, wanted[i]);
        return msg_finish(&m, k, ret);
}

/* One portal group read from a query response. */
struct pg {
        const char *name;
        char address[48];
        uint32_t port;
        bool has_tag;
        uint32_t tag;
};

/* Read the PG attributes that follow the PG iSCSI name at index i; returns the next index. */
static int read_pg(const struct iscsi_isns_msg *m, size_t i, struct pg *ret) {
        struct pg pg = {};
        int k = iscsi_isns_attr_string(&m->attrs[i], &pg.name);

        for (i++; k >= 0 && i < m->n_attrs; i++) {
                const struct iscsi_isns_attr *a = &m->attrs[i];
                if (a->tag == ISNS_TAG_PG_PORTAL_IP)
                        k = iscsi_isns_attr_ip(a, pg.address, sizeof(pg.address));
                else if (a->tag == ISNS_TAG_PG_PORTAL_PORT)
                        k = iscsi_isns_attr_u32(a, &pg.port);
                else if (a->tag == ISNS_TAG_PG_TAG && a->len > 0) {
                        k = iscsi_isns_attr_u32(a, &pg.tag);
                        pg.has_tag = true;
                } else if (a->tag != ISNS_TAG_PG_TAG && a->tag != ISNS_TAG_PG_INDEX)
                        break;
        }
        if (k < 0)
                return k;
        *ret = pg;
        return (int) i;
}

static bool pg_usable(const struct pg *pg) {
        return pg->has_tag && pg->tag <= UINT16_MAX && pg->address[0] && pg->port > 0 &&
               pg->port <= UINT16_MAX; /* a UDP portal has ISNS_PORT_UDP set, so it is > 65535 */
}

/* The target names of the response, in order, and its usable portal groups. */
static int collect(const struct iscsi_isns_msg *m, const char ***ret_names, size_t *ret_n, struct pg **ret_pgs,
                   size_t *ret_npg) {
        _cleanup_free_ const char **names = calloc(m->n_attrs + 1, sizeof(char *));
        _cleanup_free_ struct pg *pgs = calloc(m->n_attrs + 1, sizeof(struct pg));
        const char *node = NULL;
        size_t n = 0, npg = 0;
        int k = 0;

        if (!names || !pgs)
                return -ENOMEM;
        for (size_t i = iscsi_isns_operating_start(m); i < m->n_attrs;) {
                const struct iscsi_isns_attr *a = &m->attrs[i];
                uint32_t type;

                if (a->tag == ISNS_TAG_PG_ISCSI_NAME) {
                        k = read_pg(m, i, &pgs[npg]);
                        if (k < 0)
                                return k;
                        i = (size_t) k;
                        npg += pg_usable(&pgs[npg]);
                        continue;
                }
                if (a->tag == ISNS_TAG_ISCSI_NAME)
                        k = iscsi_isns_attr_string(a, &node);
                else if (a->tag == ISNS_TAG_ISCSI_NODE_TYPE && node) {
                        k = iscsi_isns_attr_u32(a, &type);
                        if (k >= 0 && (type & ISNS_NODE_TARGET))
                                names[n++] = node;
                        node = NULL;
                }
                if (k < 0)
                        return k;
                i++;
        }
        *ret_names = TAKE_PTR(names);
        *ret_n = n;
        *ret_pgs = TAKE_PTR(pgs);
        *ret_npg = npg;
        return 0;
}

int iscsi_isns_query_targets(const struct iscsi_isns_msg *rsp, struct iscsi_st_list *ret) {
        _cleanup_free_ const char **names = NULL;
        _cleanup_free_ struct pg *pgs = NULL;
        _cleanup_st_list_ struct iscsi_st_list l = {};
        size_t n, npg;
        int k;

        if (rsp->status != ISNS_STATUS_SUCCESS)
                return -ENOMSG;
        k = collect(rsp, &names, &n, &pgs, &npg);
        if (k < 0)
                return k;
        for (size_t i = 0; i < n; i++) {
                bool added = false;
                for (size_t j = 0; k >= 0 && j < npg; j++) {
                        if (!streq(pgs[j].name, names[i]))
                                continue;
                        if (!added)
                                k = iscsi_st_list_add_target(&l, names[i]);
                        added = true;
                        if (k >= 0)
                                k = iscsi_st_list_add_portal(&l, pgs[j].address, (uint16_t) pgs[j].port,
                                                             (int32_t) pgs[j].tag);
                }
                if (k < 0)
                        return k;
        }
        *ret = l;
        l = (struct iscsi_st_list) {};
        return 0;
}

int iscsi_isns_build_scn_reg(uint16_t xid, const char *name, uint32_t bitmap, struct iscsi_isns_msg *ret) {
        struct iscsi_isns_msg m;
        int k;

        msg_start(&m, ISNS_SCN_REG, xid);
        k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, name);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, name);
        if (k >= 0)
                k = iscsi_isns_add_delimiter(&m);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_ISCSI_SCN_BITMAP, bitmap);
        return msg_finish(&m, k, ret);
}

int iscsi_isns_parse_scn(const struct iscsi_isns_msg *msg, struct iscsi_isns_scn *ret) {
        struct iscsi_isns_scn s = {};
        int b, k;

        if (msg->n_attrs == 0 || msg->attrs[0].tag != ISNS_TAG_ISCSI_NAME)
                return -EBADMSG;
        k = iscsi_isns_attr_string(&msg->attrs[0], &s.destination);
        if (k < 0)
                return k;
        b = iscsi_isns_find(msg, 1, ISNS_TAG_ISCSI_SCN_BITMAP);
        if (b < 0)
                return -EBADMSG;
        k = iscsi_isns_attr_u32(&msg->attrs[b], &s.bitmap);
        if (k < 0)
                return k;
        if ((size_t) b + 1 < msg->n_attrs && msg->attrs[b + 1].tag == ISNS_TAG_ISCSI_NAME) {
                k = iscsi_isns_attr_string(&msg->attrs[b + 1], &s.node);
                if (k < 0)
                        return k;
        }
        *ret = s;
        return 0;
}

int iscsi_isns_build_reply(const struct iscsi_isns_msg *req, struct iscsi_isns_msg *ret) {
        size_t n = req->function == ISNS_SCN ? MIN(req->n_attrs, (size_t) 1) : req->n_attrs;
        struct iscsi_isns_msg m;
        int k = 0;

        msg_start(&m, req->function | ISNS_RESPONSE, req->xid);
        m.status = ISNS_STATUS_SUCCESS;
        for (size_t i = 0; k >= 0 && i < n; i++)
                k = iscsi_isns_add_raw(&m, req->attrs[i].tag, req->attrs[i].value, req->attrs[i].len);
        return msg_finish(&m, k, ret);
}

/* Portals: each distinct (address, port) of the portal groups once. */
static int add_portals(struct iscsi_isns_msg *m, const struct iscsi_isns_entity *e) {
        int k = 0;

        for (size_t i = 0; k >= 0 && i < e->n_pgs; i++) {
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = e->pgs[j].port == e->pgs[i].port && streq(e->pgs[j].address, e->pgs[i].address);
                if (seen)
                        continue;
                k = iscsi_isns_add_ip(m, ISNS_TAG_PORTAL_IP, e->pgs[i].address);
                if (k >= 0)
                        k = iscsi_isns_add_u32(m, ISNS_TAG_PORTAL_PORT, e->pgs[i].port);
        }
        return k;
}

static int add_nodes_and_pgs(struct iscsi_isns_msg *m, const struct iscsi_isns_entity *e) {
        int k = 0;

        for (size_t i = 0; k >= 0 && i < e->n_targets; i++) {
                k = iscsi_isns_add_string(m, ISNS_TAG_ISCSI_NAME, e->targets[i]);
                if (k >= 0)
                        k = iscsi_isns_add_u32(m, ISNS_TAG_ISCSI_NODE_TYPE, ISNS_NODE_TARGET);
        }
        for (size_t i = 0; k >= 0 && i < e->n_pgs; i++) {
                k = iscsi_isns_add_string(m, ISNS_TAG_PG_ISCSI_NAME, e->pgs[i].target);
                if (k >= 0)
                        k = iscsi_isns_add_ip(m, ISNS_TAG_PG_PORTAL_IP, e->pgs[i].address);
                if (k >= 0)
                        k = iscsi_isns_add_u32(m, ISNS_TAG_PG_PORTAL_PORT, e->pgs[i].port);
                if (k >= 0)
                        k = iscsi_isns_add_u32(m, ISNS_TAG_PG_TAG, e->pgs[i].tag);
        }
        return k;
}

int iscsi_isns_build_entity_reg(uint16_t xid, const struct iscsi_isns_entity *e, struct iscsi_isns_msg *ret) {
        struct iscsi_isns_msg m;
        int k;

        if (e->n_targets == 0 || !e->entity_id)
                return -EINVAL;
        msg_start(&m, ISNS_DEV_ATTR_REG, xid);
        m.flags |= ISNS_F_REPLACE;
        k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, e->targets[0]);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ENTITY_ID, e->entity_id);
        if (k >= 0)
                k = iscsi_isns_add_delimiter(&m);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ENTITY_ID, e->entity_id);
        if (k >= 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_ENTITY_PROTOCOL, ISNS_ENTITY_PROTOCOL_ISCSI);
        if (k >= 0 && e->period > 0)
                k = iscsi_isns_add_u32(&m, ISNS_TAG_REGISTRATION_PERIOD, e->period);
        if (k >= 0)
                k = add_portals(&m, e);
        if (k >= 0)
                k = add_nodes_and_pgs(&m, e);
        return msg_finish(&m, k, ret);
}

int iscsi_isns_build_entity_dereg(uint16_t xid, const struct iscsi_isns_entity *e, struct iscsi_isns_msg *ret) {
        struct iscsi_isns_msg m;
        int k;

        if (e->n_targets == 0 || !e->entity_id)
                return -EINVAL;
        msg_start(&m, ISNS_DEV_DEREG, xid);
        k = iscsi_isns_add_string(&m, ISNS_TAG_ISCSI_NAME, e->targets[0]);
        if (k >= 0)
                k = iscsi_isns_add_delimiter(&m);
        if (k >= 0)
                k = iscsi_isns_add_string(&m, ISNS_TAG_ENTITY_ID, e->entity_id);
        return msg_finish(&m, k, ret);
}

int iscsi_isns_granted_period(const struct iscsi_isns_msg *rsp, uint32_t *ret) {
        int i = iscsi_isns_find(rsp, 0, ISNS_TAG_REGISTRATION_PERIOD);

        if (i < 0)
                return -ENOENT;
        return iscsi_isns_attr_u32(&rsp->attrs[i], ret);
}

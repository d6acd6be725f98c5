/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alua.h"
#include "iscsi-util/macro.h"
#include "model-internal.h"

#define ALUA_TPGS_KEY "alua_tpgs"
#define LUN_GROUP_KEY "alua_tg_pt_gp_name"

/* One group's keys as rtslib writes them, with LIO's defaults for a new group. */
static const struct {
        const char *key;
        int64_t def;
        int64_t min, max;
        bool writable;
} group_keys[] = {
        { "alua_access_state", 0, 0, 15, true },
        { "alua_access_status", 0, 0, 2, true },
        { "alua_access_type", 3, 0, 3, true },
        { "alua_support_active_nonoptimized", 1, 0, 1, true },
        { "alua_support_active_optimized", 1, 0, 1, true },
        { "alua_support_offline", 1, 0, 1, true },
        { "alua_support_standby", 1, 0, 1, true },
        { "alua_support_transitioning", 1, 0, 1, true },
        { "alua_support_unavailable", 1, 0, 1, true },
        { "alua_write_metadata", 0, 0, 1, true },
        { "implicit_trans_secs", 0, 0, 255, true },
        { "nonop_delay_msecs", 100, 0, 255, true },
        { "preferred", 0, 0, 1, true },
        { "tg_pt_gp_id", 0, 0, 65535, false },
        { "trans_delay_msecs", 0, 0, 255, true },
};

/* The support bits of REPORT TARGET PORT GROUPS (SPC-5 6.36) and the keys that set them. */
static const struct {
        const char *key;
        uint8_t bit;
} support_keys[] = {
        { "alua_support_active_optimized", 0x01 },
        { "alua_support_active_nonoptimized", 0x02 },
        { "alua_support_standby", 0x04 },
        { "alua_support_unavailable", 0x08 },
        { "alua_support_offline", 0x40 },
        { "alua_support_transitioning", 0x80 },
};

/* The asymmetric access states LIO accepts in alua_access_state. */
static bool valid_state(int64_t v) {
        return (v >= 0 && v <= 4) || v == 14 || v == 15;
}

static struct json_object *new_group(const char *name, uint16_t id) {
        struct json_object *g = json_object_new_object();

        if (!g)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(group_keys); i++) {
                int64_t v = streq(group_keys[i].key, "tg_pt_gp_id") ? id : group_keys[i].def;
                if (json_object_object_add(g, group_keys[i].key, json_object_new_int64(v)) < 0)
                        goto fail;
        }
        if (json_object_object_add(g, "name", json_object_new_string(name)) < 0)
                goto fail;
        return g;
fail:
        json_object_put(g);
        return NULL;
}

/* The "alua_tpgs" array of so, parsed (the default group if absent). */
static int load_groups(const TcStorageObject *so, struct json_object **ret) {
        const char *text = tc_extra_get(&so->extra, ALUA_TPGS_KEY);
        struct json_object *a;

        if (text) {
                a = json_tokener_parse(text);
                if (!a || !json_object_is_type(a, json_type_array)) {
                        json_object_put(a);
                        return -EINVAL;
                }
        } else {
                struct json_object *g = new_group(TC_ALUA_DEFAULT_GROUP, 0);
                a = json_object_new_array();
                if (!a || !g || json_object_array_add(a, g) < 0) {
                        json_object_put(g);
                        json_object_put(a);
                        return -ENOMEM;
                }
        }
        *ret = a;
        return 0;
}

static int store_groups(TcStorageObject *so, struct json_object *a) {
        const char *text = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);

        if (!text)
                return -ENOMEM;
        return tc_extra_set(&so->extra, ALUA_TPGS_KEY, text);
}

static struct json_object *find_group(struct json_object *a, const char *name) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                struct json_object *g = json_object_array_get_idx(a, i), *n;
                if (json_object_object_get_ex(g, "name", &n) && json_object_is_type(n, json_type_string) &&
                    streq(json_object_get_string(n), name))
                        return g;
        }
        return NULL;
}

static int64_t get_int(struct json_object *g, const char *key, int64_t def) {
        struct json_object *v;

        if (!json_object_object_get_ex(g, key, &v) || !json_object_is_type(v, json_type_int))
                return def;
        return json_object_get_int64(v);
}

static int describe(struct json_object *g, TcAluaGroup *ret) {
        struct json_object *n;
        TcAluaGroup x = {};

        if (!json_object_is_type(g, json_type_object) || !json_object_object_get_ex(g, "name", &n) ||
            !json_object_is_type(n, json_type_string))
                return -EINVAL;
        x.name = strdup(json_object_get_string(n));
        if (!x.name)
                return -ENOMEM;
        x.id = (uint16_t) get_int(g, "tg_pt_gp_id", 0);
        x.access_state = (uint8_t) get_int(g, "alua_access_state", 0);
        x.access_type = (uint8_t) get_int(g, "alua_access_type", 3);
        x.preferred = get_int(g, "preferred", 0) != 0;
        for (size_t i = 0; i < ELEMENTSOF(support_keys); i++)
                if (get_int(g, support_keys[i].key, 1))
                        x.supported |= support_keys[i].bit;
        *ret = x;
        return 0;
}

void tc_alua_groups_free(TcAluaGroup *g, size_t n) {
        for (size_t i = 0; g && i < n; i++)
                free(g[i].name);
        free(g);
}

int tc_alua_groups(const TcStorageObject *so, TcAluaGroup **ret, size_t *ret_n) {
        _cleanup_(json_object_putp) struct json_object *a = NULL;
        TcAluaGroup *g;
        size_t n;
        int r;

        r = load_groups(so, &a);
        if (r < 0)
                return r;
        n = json_object_array_length(a);
        g = calloc(n ?: 1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = describe(json_object_array_get_idx(a, i), &g[i]);
                if (r < 0) {
                        tc_alua_groups_free(g, i);
                        return r;
                }
        }
        *ret = g;
        *ret_n = n;
        return 0;
}

int tc_lun_alua_group(const TcLun *l, char **ret) {
        const char *text = tc_extra_get(&l->extra, LUN_GROUP_KEY);
        _cleanup_(json_object_putp) struct json_object *v = text ? json_tokener_parse(text) : NULL;
        char *s;

        s = strdup(v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : TC_ALUA_DEFAULT_GROUP);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int tc_alua_group_create(TcStorageObject *so, const char *name, uint16_t id) {
        _cleanup_(json_object_putp) struct json_object *a = NULL;
        struct json_object *g;
        int r;

        if (!name || !*name || strchr(name, '/'))
                return -EINVAL;
        r = load_groups(so, &a);
        if (r < 0)
                return r;
        for (size_t i = 0; i < json_object_array_length(a); i++)
                if (get_int(json_object_array_get_idx(a, i), "tg_pt_gp_id", -1) == id)
                        return -EEXIST;
        if (find_group(a, name))
                return -EEXIST;
        g = new_group(name, id);
        if (!g || json_object_array_add(a, g) < 0) {
                json_object_put(g);
                return -ENOMEM;
        }
        return store_groups(so, a);
}

int tc_alua_group_delete(TargetConfig *c, TcStorageObject *so, const char *name) {
        _cleanup_(json_object_putp) struct json_object *a = NULL;
        int r;

        if (streq(name, TC_ALUA_DEFAULT_GROUP))
                return -EPERM;
        r = load_groups(so, &a);
        if (r < 0)
                return r;
        for (size_t i = 0; i < json_object_array_length(a); i++)
                if (json_object_array_get_idx(a, i) == find_group(a, name)) {
                        json_object_array_del_idx(a, i, 1);
                        r = store_groups(so, a);
                        if (r < 0)
                                return r;
                        /* Its LUNs go back to the default group, as in LIO. */
                        return tc_alua_group_unlink_luns(c, so, name);
                }
        return -ENOENT;
}

static int key_index(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(group_keys); i++)
                if (streq(group_keys[i].key, key))
                        return (int) i;
        return -ENOENT;
}

int tc_alua_group_set(TcStorageObject *so, const char *name, const char *key, const char *value) {
        _cleanup_(json_object_putp) struct json_object *a = NULL;
        struct json_object *g;
        char *end;
        long long v;
        int k, r;

        k = key_index(key);
        if (k < 0)
                return -ENOENT;
        if (!group_keys[k].writable)
                return -EPERM;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end || v < group_keys[k].min || v > group_keys[k].max ||
            (streq(key, "alua_access_state") && !valid_state(v)))
                return -EINVAL;
        r = load_groups(so, &a);
        if (r < 0)
                return r;
        g = find_group(a, name);
        if (!g)
                return -ENOENT;
        if (json_object_object_add(g, key, json_object_new_int64(v)) < 0)
                return -ENOMEM;
        return store_groups(so, a);
}

int tc_alua_group_get(const TcStorageObject *so, const char *name, const char *key, char **ret) {
        _cleanup_(json_object_putp) struct json_object *a = NULL;
        struct json_object *g;
        int r;

        if (key_index(key) < 0 && !streq(key, "name"))
                return -ENOENT;
        r = load_groups(so, &a);
        if (r < 0)
                return r;
        g = find_group(a, name);
        if (!g)
                return -ENOENT;
        if (streq(key, "name"))
                r = asprintf(ret, "%s", name);
        else
                r = asprintf(ret, "%lld", (long long) get_int(g, key, group_keys[key_index(key)].def));
        return r < 0 ? -ENOMEM : 0;
}

int tc_lun_set_alua_group(const TcStorageObject *so, TcLun *l, const char *name) {
        _cleanup_(json_object_putp) struct json_object *a = NULL, *v = NULL;
        const char *text;
        int r;

        r = load_groups(so, &a);
        if (r < 0)
                return r;
        if (!find_group(a, name))
                return -ENOENT;
        v = json_object_new_string(name);
        text = v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : NULL;
        if (!text)
                return -ENOMEM;
        return tc_extra_set(&l->extra, LUN_GROUP_KEY, text);
}

int tc_alua_group_unlink_luns(TargetConfig *c, const TcStorageObject *so, const char *name) {
        for (size_t i = 0; i < c->n_targets; i++)
                for (size_t j = 0; j < c->targets[i]->n_tpgs; j++) {
                        const TcTpg *tpg = c->targets[i]->tpgs[j];
                        for (size_t k = 0; k < tpg->n_luns; k++) {
                                TcLun *l = tpg->luns[k];
                                _cleanup_free_ char *g = NULL;
                                int r;

                                if (tc_config_lun_storage_object(c, l) != so)
                                        continue;
                                r = tc_lun_alua_group(l, &g);
                                if (r < 0)
                                        return r;
                                if (streq(g, name) && (r = tc_lun_set_alua_group(so, l, TC_ALUA_DEFAULT_GROUP)) < 0)
                                        return r;
                        }
                }
        return 0;
}

int tc_alua_add_default(TcStorageObject *so) {
        _cleanup_(json_object_putp) struct json_object *a = NULL;
        int r;

        r = load_groups(so, &a);
        if (r < 0)
                return r;
        return store_groups(so, a);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session's configuration: the deep copy of a login request with open-iscsi's defaults, the
 * state file that lets a restarted daemon recover a session with its credentials, and adopting
 * kernel sessions found in sysfs at start.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "log.h"
#include "session-config.h"
#include "iscsi-node/initiatorname.h"
#include "iscsi-node/ipc.h"
#include "iscsi-node/sysfs-session.h"
#include "iscsi-util/fs-util.h"

static int read_initiator_name(char **ret) {
        const char *path = getenv("ISCSI_INITIATORNAME_FILE");
        _cleanup_free_ char *def = NULL;
        if (!path || !*path) {
                path = def = strdup(ISCSI_CONFIG_DIR "/initiatorname.iscsi");
                if (!def)
                        return -ENOMEM;
        }
        return node_initiatorname_read(path, ret, NULL);
}

int session_config_from_req(struct node_login_req *c, const struct node_login_req *r) {
        const struct node_login_param *bad = NULL;
        _cleanup_free_ char *iname = NULL;
        struct node_login_req with_defaults = *r;
        int k;

        if (!r->initiator_name) {
                k = read_initiator_name(&iname);
                if (k < 0)
                        return k == -ENODATA ? -ENOENT : k;
                with_defaults.initiator_name = iname;
        }
        k = node_login_req_apply_defaults(&with_defaults, &bad);
        if (k < 0) {
                log_error("Login to %s refused: invalid value for login parameter '%s'",
                          r->target_name ?: "(no target)", bad->name);
                return k;
        }
        return node_login_req_dup(&with_defaults, c);
}

static const char *run_dir(void) {
        const char *e = getenv("ISCSID_RUN_DIR");
        return e && *e ? e : ISCSI_RUN_DIR;
}

/* The directory of the state files, and one session's file in it. */
static void state_dir_path(char *buf, size_t size) {
        snprintf(buf, size, "%s/sessions", run_dir());
}

static void state_file_path(uint32_t sid, char *buf, size_t size) {
        char dir[512];
        state_dir_path(dir, sizeof dir);
        snprintf(buf, size, "%s/%u.json", dir, sid);
}

static int log_save_failed(uint32_t sid, const char *path, int r) {
        return log_errno(LOG_ERR, r,
                         "session %u: cannot save its state to %s (the session stays logged in; an iscsid "
                         "restarted before the next save adopts it without its login parameters, so no "
                         "CHAP credentials for its recovery)",
                         sid, path);
}

/* Keep the login parameters (secrets included: 0600 in a root-only runtime directory) so a
 * restarted daemon can recover the session. */
int session_config_save(uint32_t sid, const struct node_login_req *cfg, uint32_t initial_cmdsn, int host_no) {
        char dir[512], path[600];
        state_dir_path(dir, sizeof dir);
        state_file_path(sid, path, sizeof path);
        int r = util_mkdir_parents(dir, 0700, false);
        if (r < 0)
                return log_save_failed(sid, path, r);

        _cleanup_json_ struct json_object *o = node_login_req_to_json(cfg);
        if (!o)
                return -ENOMEM;
        if (json_object_object_add(o, "initial_cmdsn", json_object_new_int64(initial_cmdsn)) < 0 ||
            json_object_object_add(o, "host_no", json_object_new_int64(host_no)) < 0)
                return -ENOMEM;
        size_t len;
        const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        if (!text)
                return -ENOMEM;
        r = util_write_file_atomic(path, text, len, 0600);
        return r < 0 ? log_save_failed(sid, path, r) : 0;
}

static bool sid_live(uint32_t sid, struct sysfs_session *const *live, size_t n_live) {
        for (size_t i = 0; i < n_live; i++)
                if (live[i]->sid >= 0 && (uint32_t) live[i]->sid == sid)
                        return true;
        return false;
}

/* "<sid>.json" -> sid */
static bool state_file_sid(const char *name, uint32_t *ret) {
        unsigned long v;
        char *end;
        if (name[0] < '0' || name[0] > '9')
                return false;
        errno = 0;
        v = strtoul(name, &end, 10);
        if (errno || v > UINT32_MAX || !streq(end, ".json"))
                return false;
        *ret = (uint32_t) v;
        return true;
}

void session_state_dir_tidy(struct sysfs_session *const *live, size_t n_live) {
        char dir[512];
        state_dir_path(dir, sizeof dir);
        int r = util_remove_stale_temps(dir, NULL);
        if (r > 0)
                log_notice("removed %d temp file(s) of an interrupted state save from %s", r, dir);
        else if (r < 0)
                log_errno(LOG_WARNING, r, "cannot remove the temp files of an interrupted save from %s", dir);

        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                uint32_t sid;
                if (!state_file_sid(de->d_name, &sid) || sid_live(sid, live, n_live))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                        log_info("removed the state file of session %u, which the kernel no longer has", sid);
        }
        if (d)
                closedir(d);
}

void session_state_file_remove(uint32_t sid) {
        char path[600];
        state_file_path(sid, path, sizeof path);
        (void) unlink(path);
}

int session_state_file_load(uint32_t sid, struct json_object **ret_json, struct node_login_req *ret_req,
                            uint32_t *ret_initial_cmdsn) {
        char path[600];
        struct node_login_req req;
        struct json_object *v;

        state_file_path(sid, path, sizeof path);
        _cleanup_json_ struct json_object *saved = json_object_from_file(path);
        if (!saved)
                return access(path, F_OK) < 0 && errno == ENOENT ? -ENOENT : -EBADMSG;
        if (!json_object_is_type(saved, json_type_object) || node_login_req_from_json(saved, &req) < 0 ||
            !json_object_object_get_ex(saved, "initial_cmdsn", &v))
                return -EBADMSG;
        *ret_initial_cmdsn = (uint32_t) json_object_get_int64(v);
        *ret_req = req;
        *ret_json = TAKE_PTR(saved);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the saveconfig.json loader: any input either fails with a message or
 * yields a model that validates, serializes, and reloads to the same bytes. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/saveconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TargetConfig *c = NULL, *c2 = NULL;
        char **warnings = NULL, *error = NULL, *out = NULL, *out2 = NULL;

        int r = tc_config_parse((const char *) data, size, &c, &warnings, &error);
        if (r < 0) {
                if (r == -EINVAL && !error)
                        abort(); /* every rejection explains itself */
                free(error);
                return 0;
        }
        if (error || !warnings || tc_config_validate(c, NULL) < 0)
                abort();
        if (tc_config_to_json(c, &out) < 0)
                abort();
        if (tc_config_parse(out, strlen(out), &c2, NULL, NULL) < 0)
                abort(); /* what we write, we read */
        if (tc_config_to_json(c2, &out2) < 0 || strcmp(out, out2) != 0)
                abort(); /* and writing is a fixed point */
        free(out);
        free(out2);
        tc_config_free(c);
        tc_config_free(c2);
        tc_strv_free(warnings);
        return 0;
}

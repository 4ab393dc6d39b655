/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the audit record parser and the event grouper: any
 * bytes, split into lines, must parse or be refused cleanly, and grouping
 * (duplicate detection, companions) must hold up. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "avc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(struct avc_event *e, void *userdata)
{
        size_t *n = userdata;
        for (size_t i = 0; i < e->n_records; i++) {
                struct avc_record *r = e->records[i];
                /* Touch what a consumer would read. */
                _cleanup_free_ char *perms = avc_record_perms_string(r);
                (void) avc_record_get(r, "scontext");
                *n += perms ? strlen(perms) : 0;
        }
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t n = 0;
        struct avc_grouper *g = NULL;
        if (avc_grouper_new(&g, 4, count, &n) < 0)
                return 0;
        const char *p = (const char *) data, *end = p + size;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                struct planet_error err = {0};
                struct avc_record *r = NULL;
                /* Alternate the transports so the duplicate logic is driven. */
                int rr = (len & 1) ? avc_parse_line(p, len, &r, &err)
                                   : avc_parse_body(1400, p, len, 1000, 7, AVC_SOURCE_AUDIT, &r,
                                                    &err);
                planet_error_clear(&err);
                if (rr > 0)
                        (void) avc_grouper_add(g, r);
                p += len + 1;
        }
        (void) avc_grouper_flush(g);
        avc_grouper_free(g);
        return 0;
}

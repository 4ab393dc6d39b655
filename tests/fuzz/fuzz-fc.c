/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fc_parse on arbitrary bytes, in both formats; what parses is written back
 * out, parsed again, matched against a path and checked against a set of
 * equivalences, so every code path that sees parsed data runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const enum fc_format formats[] = {FC_FORMAT_AUTO, FC_FORMAT_SOURCE,
                                                 FC_FORMAT_COMPILED};
        static char *from[] = {"/var/run", "/bin"}, *to[] = {"/run", "/usr/bin"};
        const struct fc_subs subs = {from, to, 2};

        /* Keep regex work bounded: huge inputs add nothing but time. */
        if (size > 4096)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct fc_file f = {0};
                struct planet_error err = {0};
                if (fc_parse((const char *) data, size, "fuzz", formats[i], "s0", &f, &err) < 0) {
                        planet_error_clear(&err);
                        continue;
                }
                char *buf = NULL;
                size_t len = 0;
                FILE *mem = open_memstream(&buf, &len);
                if (mem) {
                        if (fc_write_file_contexts(&f, mem) < 0)
                                abort();
                        fclose(mem);
                        struct fc_file g = {0};
                        /* What we write must parse back to the same number of entries. */
                        if (fc_parse(buf, len, "again", FC_FORMAT_COMPILED, NULL, &g, &err) < 0 ||
                            g.n_entries != f.n_entries)
                                abort();
                        fc_file_done(&g);
                        free(buf);
                }
                (void) fc_find_entry(&f, "/var/run/x", S_IFREG);
                (void) fc_find_entry(&f, "/usr/bin/kubelet", 0);
                for (size_t k = 0; k < f.n_entries && k < 32; k++) {
                        char *spelling = NULL;
                        if (fc_entry_check_subs(&subs, &f.entries[k], NULL, NULL, &spelling) > 0)
                                free(spelling);
                }
                fc_file_done(&f);
        }
        return 0;
}

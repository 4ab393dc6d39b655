/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the symbols-only policy reader: any bytes as a
 * policy file must load (a real policy's symbol tables, or the whole of an
 * old format) or be refused cleanly; never read outside the image. */
#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formats the reader hands to libsepol whole (not a kernel policy, or a
 * version before 24) test libsepol, whose allocations follow the lengths in
 * the file: leave those out. */
static bool read_whole(const uint8_t *data, size_t size)
{
        uint32_t w[5];
        if (size < sizeof(w))
                return true;
        memcpy(w, data, sizeof(w));
        uint32_t magic = le32toh(w[0]), len = le32toh(w[1]);
        if (magic != 0xf97cff8cu || len != 8 || size < 8 + len + 4)
                return true;
        uint32_t version;
        memcpy(&version, data + 8 + len, 4);
        return le32toh(version) < 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (read_whole(data, size))
                return 0;
        /* The reader takes a path: one file per process, rewritten per input. */
        static char path[] = "/tmp/fuzz-policy-symbols-XXXXXX";
        static int fd = -1;
        if (fd < 0 && (fd = mkstemp(path)) < 0)
                abort();
        if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t) size)
                abort();
        struct label_backend *b = NULL;
        struct planet_error err = {0};
        if (label_backend_open_offline_symbols(&b, path, &err) == 0) {
                (void) label_check_context(b, "system_u:system_r:init_t:s0", &err);
                label_backend_free(b);
        }
        planet_error_clear(&err);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the label core's context-string helpers
 * (label_context_type, label_context_with_type): they take --from and
 * --domain arguments and unit-file settings from people, so they must never
 * crash and must agree with each other.
 *
 * Input: CONTEXT, optionally followed by a NUL byte and a TYPE. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *input = NULL, *type = NULL, *with = NULL, *round = NULL;
        const char *context, *new_type;
        size_t clen;

        input = malloc(size + 2);
        if (!input)
                return 0;
        memcpy(input, data, size);
        input[size] = input[size + 1] = 0;
        context = input;
        clen = strlen(context);
        new_type = clen < size ? input + clen + 1 : "fuzz_t";

        if (label_context_type(context, &type) == 0) {
                /* A type is one non-empty field, and the context has it there. */
                assert(type && *type && !strchr(type, ':'));
                assert(strstr(context, type));
        } else
                assert(!type);

        if (label_context_with_type(context, new_type, &with) == 0) {
                size_t prefix;

                /* What with_type built reads back as the new type... */
                assert(label_context_type(with, &round) == 0);
                assert(!strcmp(round, new_type));
                /* ...and keeps user:role: in front of it. */
                prefix = strstr(with, new_type) - with;
                assert(!strncmp(with, context, prefix));
        } else
                assert(!with);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness for the sd_notify message parser: whatever a service
 * sends, the parser must not crash, and what it accepts for relaying must
 * itself parse again to the same flags and never grow past what systemd
 * reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct notify_message m = {0}, again = {0};
        struct planet_error err = {0};

        if (notify_message_parse(data, size, &m, &err) < 0) {
                planet_error_clear(&err);
                return 0;
        }
        if (m.relay_len > size || m.relay_len > NOTIFY_DATAGRAM_MAX)
                abort();
        if (strlen(m.relay) != m.relay_len || memchr(m.relay, '\0', m.relay_len))
                abort();
        if (m.relay_len > 0) {
                if (notify_message_parse(m.relay, m.relay_len, &again, &err) < 0)
                        abort(); /* what we relay must be valid */
                if (again.flags != (m.flags & ~(unsigned) NOTIFY_MAINPID_STRIPPED) ||
                    again.relay_len != m.relay_len || memcmp(again.relay, m.relay, m.relay_len))
                        abort();
        }
        notify_message_done(&again);
        notify_message_done(&m);
        planet_error_clear(&err);
        return 0;
}

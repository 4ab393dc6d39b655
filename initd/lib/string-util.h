/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* String building on hot paths, where asprintf's format parsing is the
 * larger part of the cost (a unit's drop-in directory names, cache keys). */

/* a, b and c concatenated in a new string; NULL when out of memory. */
char *strjoin3(const char *a, const char *b, const char *c);

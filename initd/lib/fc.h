/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* File-context specifications: the refpolicy source form (policy/gravity.fc,
 * `PATH [-d|--|...] gen_context(user:role:type,s0)`) and the compiled
 * file_contexts form (`PATH [TYPE] CONTEXT`), plus the path equivalences of
 * file_contexts.subs_dist / .subs. Used by lint-fc and by the generator (which
 * writes a parsed .fc out as a file_contexts for the offline label backend). */

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

struct fc_entry {
        char *regex;     /* the path specification as written */
        char *file_type; /* "--", "-d", "-l", "-s", "-p", "-c", "-b" or NULL (any) */
        mode_t mode;     /* S_IFREG, S_IFDIR, … from file_type; 0 for any */
        char *context;   /* "user:role:type:range", or "<<none>>" */
        char *type;      /* the type field; NULL for <<none>> */
        unsigned line;   /* 1-based line in the source */
};

struct fc_file {
        char *name; /* where it was read from, for messages */
        struct fc_entry *entries;
        size_t n_entries;
};

enum fc_format {
        FC_FORMAT_AUTO,     /* gen_context( anywhere → SOURCE, else COMPILED */
        FC_FORMAT_SOURCE,   /* refpolicy .fc with gen_context() */
        FC_FORMAT_COMPILED, /* file_contexts */
};

/* Parse text (need not be NUL-terminated). mls_default is the range written
 * for gen_context() without one, e.g. "s0". A malformed line is an error
 * naming name:line and what is wrong; so is a path specification that does
 * not compile as a POSIX extended regex or that has more than 8 '+'/'{}'
 * repetitions (each one multiplies what regcomp builds). */
int fc_parse(const char *text, size_t len, const char *name, enum fc_format format,
             const char *mls_default, struct fc_file *ret, struct planet_error *err);
int fc_load(const char *path, enum fc_format format, const char *mls_default, struct fc_file *ret,
            struct planet_error *err);
void fc_file_done(struct fc_file *f);

/* Write entries in file_contexts form (what selabel_open reads). */
int fc_write_file_contexts(const struct fc_file *f, FILE *out);

/* The last entry (file_contexts order) whose regex fully matches path and
 * whose mode fits: what a person wants to cite ("gravity.fc:12"). As in
 * libselinux, entries without regex operators are tried before all others
 * (a literal path beats any pattern). mode 0 fits every entry. Regexes are
 * POSIX extended, anchored at both ends. NULL when none matches. */
const struct fc_entry *fc_find_entry(const struct fc_file *f, const char *path, mode_t mode);

/* Equivalences: "/var/run /run" means paths under /var/run are labeled as
 * the same path under /run. */
struct fc_subs {
        char **from; /* n_subs each */
        char **to;
        size_t n_subs;
};
/* Read a .subs_dist/.subs file and append its pairs to *subs (zero it
 * first; call again to add another: libselinux applies .subs before
 * .subs_dist, so load them in that order). A missing file is an empty set,
 * not an error. */
int fc_subs_load(const char *path, struct fc_subs *subs, struct planet_error *err);
/* The canonical spelling of path (first matching prefix, whole components). */
char *fc_subs_apply(const struct fc_subs *subs, const char *path);
void fc_subs_done(struct fc_subs *subs);

/* The literal text every match of regex starts with (escapes resolved),
 * written NUL-terminated into buf; returns its length. 0 when the regex
 * begins with an operator or has a top-level alternation. */
size_t fc_regex_literal_prefix(const char *regex, char *buf, size_t size);

/* Can entry e ever match under subs? Lookups rewrite a path at or below an
 * alias to its original before matching, so an entry spelled with the alias
 * (e.g. /var/run/x under "/var/run /run") never matches. Returns 1 when it
 * cannot, with *ret_alias and *ret_original pointing into subs and
 * *ret_spelling (caller frees) the regex respelled so that it would;
 * 0 when it can match (or the regex is too general to tell); -errno. */
int fc_entry_check_subs(const struct fc_subs *subs, const struct fc_entry *e,
                        const char **ret_alias, const char **ret_original, char **ret_spelling);

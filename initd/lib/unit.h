/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd unit files read the way systemd (252) reads them, for the generator:
 *
 *   - lines end at \n, \r\n or \r; a line whose last character is an unescaped
 *     backslash continues on the next one (the backslash becomes a space),
 *     comment lines inside a continuation are skipped and an empty line ends
 *     it; a UTF-8 byte order mark is skipped;
 *   - lines starting with # or ; (after whitespace) are comments; keys and
 *     values are stripped of surrounding whitespace;
 *   - sections whose name starts with "X-" are ignored, as are lines without
 *     '=' and assignments outside a section (systemd warns and goes on); a
 *     malformed section header fails the file (systemd refuses the unit);
 *   - drop-ins NAME.d/ *.conf — and, for an instance, TEMPLATE.d/, and the
 *     "foo-.service.d"/"service.d" prefix drop-ins — are collected across the
 *     search directories, a file name in an earlier directory masking the
 *     same name in later ones, and applied sorted by file name;
 *   - list settings (ExecStart= …) are reset by an empty assignment.
 *
 * Values are kept as written: $VAR/${VAR} and specifiers (%i …) are systemd's
 * to expand at run time. unit_exec_parse() splits a command line as
 * config_parse_exec() does, understanding the prefixes - @ : + ! !!.
 *
 * Functions return 0 or -errno; failures a person must read fill *err. */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The four strings of an assignment lie together in the unit's string pool
 * (unit_file.strings); unit_file_done() frees them. */
struct unit_assignment {
        char *section; /* "Service" */
        char *key;     /* "ExecStart" */
        char *value;   /* stripped, continuations joined */
        char *origin;  /* "path:line" where it was written */
};

struct unit_file {
        char *name;                          /* "kubelet.service", "getty@tty1.service" */
        char *fragment_path;                 /* the main file read, NULL for unit_parse() alone */
        char **dropin_paths;                 /* applied, in order (NULL-terminated, may be NULL) */
        struct unit_assignment *assignments; /* in the order systemd applies them */
        size_t n_assignments;
        /* The assignments' strings, in a few blocks rather than one
         * allocation each (a unit has dozens; a run reads hundreds of units). */
        struct unit_string_block *strings;
};

void unit_file_done(struct unit_file *u);

/* Append the assignments of one file's text (need not be NUL-terminated).
 * origin names it in messages and in each assignment. */
int unit_parse(struct unit_file *u, const char *text, size_t len, const char *origin,
               struct planet_error *err);

/* Find NAME in search_dirs (first hit wins; for an instance "a@b.service"
 * without its own file, the template "a@.service"), read it and its drop-ins.
 * A drop-in file name equal to skip_dropin (e.g. the generator's own
 * "50-planet-selinux.conf") is not applied, so the generator reads the unit
 * as it would be without its previous output. -ENOENT when no file exists;
 * -ERFKILL (with a message) when the unit is masked (empty or /dev/null). */
int unit_load(const char *const *search_dirs, const char *name, const char *skip_dropin,
              struct unit_file *ret, struct planet_error *err);

/* unit_load() for a unit that also has the given alias names: their
 * NAME.d/ drop-ins apply too, as systemd merges every name's (NULL-terminated;
 * may be NULL). */
int unit_load_aliased(const char *const *search_dirs, const char *name, const char *const *aliases,
                      const char *skip_dropin, struct unit_file *ret, struct planet_error *err);

/* The entries of each search directory, listed once (one getdents per
 * directory instead of a failed lookup per candidate file and drop-in
 * directory of every unit: most are not there). A snapshot: files created
 * later are not seen, as systemd's own loading sees one listing. */
struct unit_dir_index;
int unit_dir_index_new(const char *const *search_dirs, struct unit_dir_index **ret,
                       struct planet_error *err);
void unit_dir_index_free(struct unit_dir_index *idx);
static inline void unit_dir_index_freep(struct unit_dir_index **idx)
{
        unit_dir_index_free(*idx);
}
/* Is NAME in the i-th search directory? *ret_type (may be NULL) is its
 * d_type (DT_REG, DT_DIR, DT_LNK, or DT_UNKNOWN where the file system does
 * not say). */
bool unit_dir_index_has(const struct unit_dir_index *idx, size_t i, const char *name,
                        unsigned char *ret_type);

/* A descriptor of the i-th directory (owned by idx) to open files in it
 * relative to; -EBADF when it does not exist. */
int unit_dir_index_fd(const struct unit_dir_index *idx, size_t i);

/* The j-th entry (sorted by name) of the i-th directory; NULL past the end. */
const char *unit_dir_index_entry(const struct unit_dir_index *idx, size_t i, size_t j);

/* unit_load_aliased() through idx (built over the same search_dirs; NULL:
 * look each candidate up). Same answers. */
int unit_load_indexed(const char *const *search_dirs, const struct unit_dir_index *idx,
                      const char *name, const char *const *aliases, const char *skip_dropin,
                      struct unit_file *ret, struct planet_error *err);

/* Is DIR/NAME a symlink to a unit of the same type under another name (an
 * alias)? 1 with *ret the target's name, 0 if not (a regular file, a mask,
 * absent), -errno on error. */
int unit_alias_target(const char *dir, const char *name, char **ret);

/* The last value assigned to section/key (scalar settings), NULL if none. */
const struct unit_assignment *unit_get(const struct unit_file *u, const char *section,
                                       const char *key);

/* Every value assigned to a list setting after the last reset (empty
 * assignment), in order. *ret (free() it; NULL when none) points into u. */
int unit_get_list(const struct unit_file *u, const char *section, const char *key,
                  const struct unit_assignment ***ret, size_t *ret_n);

/* Prefixes of an Exec*= command (systemd.service(5), "Command lines"). */
enum {
        UNIT_EXEC_IGNORE_FAILURE = 1 << 0, /* -  exit status ignored */
        UNIT_EXEC_SEPARATE_ARGV0 = 1 << 1, /* @  second word is argv[0] */
        UNIT_EXEC_NO_ENV_EXPAND = 1 << 2,  /* :  no $VAR expansion */
        UNIT_EXEC_PRIVILEGED = 1 << 3,     /* +  no sandboxing, no User= … */
        UNIT_EXEC_NO_SETUID = 1 << 4,      /* !  User= without the credential change */
        UNIT_EXEC_AMBIENT_MAGIC = 1 << 5,  /* !! as ! only where ambient caps lack */
};

struct unit_exec_command {
        unsigned flags; /* UNIT_EXEC_* */
        char *prefixes; /* the prefix characters as written, "" when none */
        char *path;     /* executable: unquoted, unescaped, specifiers kept */
        char **argv;    /* argv[0..] unquoted (argv[0] = path unless @), NULL-terminated */
        size_t argc;
        char *args_raw; /* the arguments after the executable (and argv[0] for
                         * @), each word as written, joined by one space:
                         * re-emitting it keeps quoting, escapes, $VAR and
                         * specifiers byte for byte */
};

void unit_exec_command_done(struct unit_exec_command *c);
void unit_exec_commands_free(struct unit_exec_command *c, size_t n);

/* Split one Exec*= value into its commands (several when separated by a lone
 * ";"). Unknown escapes are kept as written (systemd warns and does the
 * same). Invalid syntax (unbalanced quotes, a relative path with a slash, an
 * empty executable, quotes/backslashes/control characters left in the
 * executable's name) is an error naming what is wrong: systemd refuses such
 * a line, which for the generator means a service it cannot see. err may be
 * NULL. */
int unit_exec_parse(const char *value, struct unit_exec_command **ret, size_t *ret_n,
                    struct planet_error *err);

/* Quote a word for a command line so that unit_exec_parse() (and systemd)
 * reads it back unchanged; '%' and '$' are left alone on purpose (they stay
 * systemd's to expand). Returns NULL on OOM. */
char *unit_exec_quote_word(const char *word);

/* "a@b.service" → template "a@.service", instance "b"; a plain name gives
 * -EINVAL. Either output may be NULL. */
int unit_name_to_template(const char *name, char **ret_template, char **ret_instance);

/* Expand the specifiers that depend only on the unit name (%n %N %p %P %i %I
 * %j %J %f %%) in s. Others (%h, %t, …) depend on the runtime: -EINVAL with
 * err naming the specifier. */
int unit_expand_name_specifiers(const char *unit_name, const char *s, char **ret,
                                struct planet_error *err);

/* The *.service names in dirs (regular files and symlinks, templates
 * "a@.service" included), de-duplicated and sorted. */
int unit_list_services(const char *const *dirs, char ***ret, struct planet_error *err);
/* The same from a listing already made. */
int unit_dir_index_services(const struct unit_dir_index *idx, char ***ret);

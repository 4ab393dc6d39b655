/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The refpolicy interface index: what `sefindif`/`seshowif`/`sefinddef`/
 * `seshowdef` from the SELinux Cookbook do with grep and awk, done once and
 * properly, plus the step those shell functions leave to experience: which
 * interface grants the access a denial asked for, and nothing much more.
 *
 * It reads the installed devel headers (selinux-policy-dev):
 *     INCLUDE/LAYER/MODULE.if   every layer directory, found by globbing
 *     INCLUDE/support/NAME.spt  the support macros (patterns, perm sets)
 * or a refpolicy source tree (TREE/policy/modules/LAYER/MODULE.if and
 * TREE/policy/support/NAME.spt), and records every `interface(`name',`…')`,
 * `template(`name',`…')` and top-level `define(`name',`…')` with its
 * `## <summary>` XML doc block.
 *
 * Expansion is a small m4 for refpolicy's dialect: $N substitution, m4
 * quoting with nested `' pairs, rescanning through called interfaces and
 * support macros (read_files_pattern, read_file_perms, …). gen_require and
 * require blocks grant nothing and are skipped; rules under ifdef, ifndef,
 * an undecidable ifelse, optional_policy, tunable_policy or `if (bool)` are
 * kept but marked conditional: they may not be in effect, so they never count
 * towards what an interface is sure to grant, yet they do count when asking
 * whether it might grant write.
 *
 * An index is not thread-safe: expansion results are cached inside it.
 *
 *     struct iface_index *idx = NULL;
 *     r = iface_index_load(NULL, &idx, &err);          // the installed headers
 *     const char *perms[] = {"read", "open"};
 *     struct iface_access need = {"myapp_t", "etc_t", "file", perms, 2};
 *     struct iface_suggestion *s = NULL; size_t n = 0;
 *     r = iface_suggest(idx, &need, NULL, &s, &n, &err);
 *     // s[0].call == "files_read_etc_files(myapp_t)", s[0].why explains
 *     iface_suggestions_free(s, n);
 *     iface_index_free(idx);
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

/* Where Debian's selinux-policy-dev installs the headers. */
#define IFACE_DEFAULT_INCLUDE_DIR "/usr/share/selinux/devel/include"

/* Kinds, usable as a bit mask in iface_find(). */
enum iface_kind {
        IFACE_KIND_INTERFACE = 1 << 0, /* interface(`name',`body') */
        IFACE_KIND_TEMPLATE = 1 << 1,  /* template(`name',`body') */
        IFACE_KIND_DEFINE = 1 << 2,    /* define(`name',`body'), mostly in support files */
};
#define IFACE_KINDS_IFACE (IFACE_KIND_INTERFACE | IFACE_KIND_TEMPLATE)
#define IFACE_KINDS_ALL (IFACE_KIND_INTERFACE | IFACE_KIND_TEMPLATE | IFACE_KIND_DEFINE)

/* The information flow an interface's doc block declares. */
enum iface_infoflow {
        IFACE_INFOFLOW_UNKNOWN = 0, /* no <infoflow/> element */
        IFACE_INFOFLOW_NONE,
        IFACE_INFOFLOW_READ,
        IFACE_INFOFLOW_WRITE,
        IFACE_INFOFLOW_BOTH,
};

struct iface_param {
        char *name;    /* <param name="domain">: "domain", "private type", … */
        char *summary; /* whitespace-collapsed text of its <summary>; NULL if none */
        bool optional; /* optional="true" */
        bool unused;   /* unused="true" */
};

/* One indexed definition. Owned by the index; valid until iface_index_free(). */
struct iface_macro {
        char *name;
        enum iface_kind kind;
        const char *path;   /* the file it was read from */
        const char *layer;  /* "kernel", "system", "services", …; "support" for NAME.spt */
        const char *module; /* file name without extension: "files", "file_patterns" */
        unsigned line;      /* 1-based line of interface(/template(/define( */

        /* <summary> text with tags dropped and whitespace collapsed, for
         * interfaces and templates; for a define, its directly preceding
         * `#` comment lines, likewise collapsed. NULL when there is none. */
        char *summary;
        char *desc; /* <desc> text, collapsed; NULL if none */
        struct iface_param *params;
        size_t n_params;
        enum iface_infoflow infoflow;
        unsigned infoflow_weight; /* 0 when not given */

        /* Verbatim source, pointing into the index's copy of the file (not
         * NUL-terminated): the doc comment block before the definition
         * (doc_len 0 if none), the whole definition from its keyword to the
         * closing parenthesis, and the body without its outer quotes. */
        const char *doc;
        size_t doc_len;
        const char *text;
        size_t text_len;
        const char *body;
        size_t body_len;
};

struct iface_index;

/* Index a devel include directory (NULL: IFACE_DEFAULT_INCLUDE_DIR) or a
 * refpolicy source tree. Fails with a message naming the directory when it
 * holds no interface files (e.g. "install selinux-policy-dev or pass --include"),
 * or naming file:line when a definition is malformed beyond recovery. */
int iface_index_load(const char *dir, struct iface_index **ret, struct planet_error *err);
/* The same with flags. IFACE_LOAD_DEFINITIONS_ONLY keeps only each
 * definition's own text, for callers that expand and suggest but do not
 * show sources (planet-selinux denials): doc is NULL and doc_len 0 (summary,
 * desc and params are parsed as usual), and the index holds ~1.7 MB of
 * Debian's 7.1 MB of headers. */
enum {
        IFACE_LOAD_DEFINITIONS_ONLY = 1 << 0,
};
int iface_index_load_flags(const char *dir, unsigned flags, struct iface_index **ret,
                           struct planet_error *err);

/* An empty index, and adding one file's text to it (copied; need not be
 * NUL-terminated). path names it in messages; layer as in iface_macro
 * ("support" makes the file a support file). Used by iface_index_load, the
 * tests and the fuzzer. A later definition of a name already indexed is
 * ignored (refpolicy treats duplicates as an error; the first one wins). */
int iface_index_new(struct iface_index **ret);
int iface_index_add_text(struct iface_index *idx, const char *text, size_t len, const char *path,
                         const char *layer, struct planet_error *err);
void iface_index_free(struct iface_index *idx);
static inline void iface_index_freep(struct iface_index **idx)
{
        iface_index_free(*idx);
}
#define _cleanup_iface_index_ _cleanup_(iface_index_freep)

/* All macros, sorted by name; index order is stable for one index. */
size_t iface_index_count(const struct iface_index *idx);
const struct iface_macro *iface_index_get(const struct iface_index *idx, size_t i);
/* Exact name lookup (any kind); NULL when unknown. */
const struct iface_macro *iface_lookup(const struct iface_index *idx, const char *name);

/* Search, the sefindif way: a hit is a macro of one of `kinds` whose name
 * matches the POSIX extended regex, or which has a line of its definition
 * that matches (so "etc_t.*read" and "read_files_pattern.*etc_t" find what
 * they find with grep). lines holds the matching definition lines, trimmed
 * (empty when only the name matched). Hits are sorted by name. A bad regex
 * is an error quoting regerror(). */
struct iface_hit {
        const struct iface_macro *macro;
        bool name_matched; /* the regex matches the name itself */
        char **lines;      /* NULL-terminated */
};
int iface_find(const struct iface_index *idx, const char *regex, unsigned kinds,
               struct iface_hit **ret, size_t *n_ret, struct planet_error *err);
void iface_hits_free(struct iface_hit *hits, size_t n_hits);

/* What an expansion produces. Sets in source, target and class are split
 * into one rule per member; permission sets and perm-set macros are expanded
 * to plain permission names; rules with the same kind, source, target, class
 * and conditional flag are merged (their permissions united), in order of
 * first appearance. */
enum iface_rule_kind {
        IFACE_RULE_ALLOW,
        IFACE_RULE_AUDITALLOW,
        IFACE_RULE_DONTAUDIT,
        IFACE_RULE_NEVERALLOW,
        IFACE_RULE_TYPE_TRANSITION,
        IFACE_RULE_TYPE_CHANGE,
        IFACE_RULE_TYPE_MEMBER,
        IFACE_RULE_TYPEATTRIBUTE, /* typeattribute SOURCE TARGET: target is the attribute */
        IFACE_RULE_ROLEATTRIBUTE, /* roleattribute SOURCE TARGET */
        IFACE_RULE_ROLE_TYPES,    /* role SOURCE types TARGET */
};

struct iface_rule {
        enum iface_rule_kind kind;
        char *source; /* a type or attribute; "$N" where a parameter was left unbound */
        char *target; /* a type, attribute, "self", or "$N" */
        char *tclass; /* NULL for the attribute and role rules */
        /* Sorted, unique, NULL-terminated; only for the AV kinds
         * (allow/auditallow/dontaudit/neverallow). "*" stands for all
         * permissions (`*` or a `~{…}` complement, read conservatively). */
        char **perms;
        char *default_type; /* the new type of a type_transition/change/member */
        char *filename;     /* a named type_transition's name, unquoted; else NULL */
        /* Types taken out of the target set with `-type` ({ file_type -shadow_t }),
         * sorted, NULL-terminated; NULL if none. A suggestion never matches a
         * target listed here. (Exclusions in source sets are dropped: that
         * reads the rule as granting more, never less.) */
        char **target_excluded;
        bool conditional; /* under ifdef/optional_policy/tunable_policy/if/…: may not apply */
        const char *via;  /* innermost macro whose body wrote the rule (owned by the index) */
};

struct iface_rules {
        struct iface_rule *rules;
        size_t n_rules;
        /* Names called like macros that the index does not know, sorted,
         * unique, NULL-terminated (NULL if none): what the expansion could not
         * see into, reported rather than silently dropped. */
        char **unresolved;
};

/* Expand the macro `name` with args (n_args of them; a missing argument
 * expands as empty, as in m4). Pass args NULL / n_args 0 to keep the
 * parameters symbolic: "$1", "$2", … stay in the rules. Errors: unknown name
 * (-ENOENT), recursion deeper than the index allows (-ELOOP) or an expansion
 * that grows without bound (-E2BIG), each naming the macro. */
int iface_expand(struct iface_index *idx, const char *name, const char *const *args, size_t n_args,
                 struct iface_rules *ret, struct planet_error *err);
/* The same with flags. By default a call made with plain names as
 * arguments reuses the callee's cached symbolic expansion (substituting the
 * names), which gives the same rules as rescanning its text and is several
 * times faster; IFACE_EXPAND_TEXTUAL rescans every call's text, as m4 does
 * (the tests check the two agree). */
enum {
        IFACE_EXPAND_TEXTUAL = 1 << 0,
};
int iface_expand_flags(struct iface_index *idx, const char *name, const char *const *args,
                       size_t n_args, unsigned flags, struct iface_rules *ret,
                       struct planet_error *err);
void iface_rules_done(struct iface_rules *rules);

/* A rule in policy-language form, e.g. "allow myapp_t etc_t:file { getattr open read };".
 * Conditional rules are prefixed with "# conditional: ". NULL on ENOMEM. */
char *iface_rule_to_string(const struct iface_rule *rule);

/* Whether a permission changes the object, its name, its label or its
 * contents (write, append, create, unlink, rename, setattr, add_name,
 * relabelto, …; "*" counts). The suggestion ranking refuses interfaces that
 * grant any of these when the needed access has none. */
bool iface_perm_is_write(const char *perm);

/* The access a denial needed: `allow source target:tclass { perms };`. */
struct iface_access {
        const char *source; /* the denied domain; becomes the candidate's $1 */
        const char *target; /* the object's type */
        const char *tclass;
        const char *const *perms;
        size_t n_perms;
};

/* Answers whether `type` is `type_or_attribute` or one of its members, e.g.
 * from a compiled policy through libsepol; lets a suggestion match rules
 * written against attributes such as file_type. */
typedef bool (*iface_type_match_fn)(const char *type, const char *type_or_attribute,
                                    void *userdata);

struct iface_suggest_options {
        size_t max_results;               /* 0: all that fit */
        iface_type_match_fn type_matches; /* NULL: only exact names (and self) match */
        void *userdata;
};

/* One candidate: an interface (never a template or define) whose
 * unconditional allow rules, with $1 = the source, grant every needed
 * permission on target:tclass. */
struct iface_suggestion {
        const struct iface_macro *macro; /* owned by the index */
        /* How to call it: "files_read_etc_files(myapp_t)"; parameters beyond
         * $1 that the caller must choose appear as their doc names in angle
         * brackets: "files_pid_filetrans(myapp_t, <private type>, <object>)". */
        char *call;
        /* One line saying why it fits: which rule grants the access (and via
         * which support macro), whether the target matched by name, through
         * self or through an attribute, and what else it grants. */
        char *why;
        bool exact_target;       /* the rule names the target type itself (or self) */
        bool grants_write;       /* grants a write-class permission anywhere */
        size_t extra_on_target;  /* permissions on target:tclass beyond the needed ones */
        size_t extra_total;      /* every other (source, target, class, permission) it grants */
        unsigned unbound_params; /* parameters besides $1 the caller must fill in */
};

/* Ranked candidates, best first: exact target before self before attribute;
 * then fewer unbound parameters; then least extra on the target; then least
 * extra overall; then name. Interfaces granting write-class permissions are
 * never offered when no needed permission is write-class. Zero candidates is
 * a success with *n_ret 0. The first call expands every interface once
 * (~0.2 s CPU for Debian's headers) and inverts the result into a map from
 * each type, attribute or self that an interface's sure rules grant on to
 * the interfaces that do; later calls look up the target and the attributes
 * type_matches accepts for it (asked once per target type; its answers must
 * not change for one callback and userdata) and rank only those, well under
 * a millisecond each. Expansions are cached in idx in a compact form
 * (interned names), which iface_expand() reuses. */
int iface_suggest(struct iface_index *idx, const struct iface_access *need,
                  const struct iface_suggest_options *opts, struct iface_suggestion **ret,
                  size_t *n_ret, struct planet_error *err);
void iface_suggestions_free(struct iface_suggestion *s, size_t n);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The label core: one question — "in which SELinux domain will this binary run
 * when it is exec'd from this context?" — answered by two backends that must
 * agree:
 *
 *   kernel   getcon(), getfilecon() of the file the path resolves to,
 *            security_compute_create_raw(source, file, "process"),
 *            security_compute_av for the permission checks. Production.
 *   offline  a compiled policy (policy.33) through libsepol and file labels
 *            through selabel_open(SELABEL_CTX_FILE) on a file_contexts, with
 *            the .subs_dist/.subs equivalences beside it. No SELinux kernel
 *            needed: image builds, tests, `planet-selinux domain --policy`.
 *
 * The offline backend lives in its own object (label-offline.c) so that a
 * program that only opens the kernel backend (planet-initd) does not pull in
 * libsepol. libsepol's services API keeps the loaded policy in library-global
 * state: open at most one offline backend per process.
 *
 * Functions return 0 or -errno; failures a person must read fill *err. */

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct label_backend;

enum label_backend_kind {
        LABEL_BACKEND_KERNEL,
        LABEL_BACKEND_OFFLINE,
};

enum label_selinux_mode {
        LABEL_SELINUX_DISABLED,
        LABEL_SELINUX_PERMISSIVE,
        LABEL_SELINUX_ENFORCING,
};

/* Kernel backend. Succeeds when SELinux is disabled too (mode DISABLED); the
 * compute functions then fail with -EOPNOTSUPP and a message saying so.
 * Policy questions go to the kernel directly (selinuxfs.h: selinuxfs,
 * /proc/thread-self/attr, the security.selinux xattr; SELinux counts as
 * enabled exactly when libselinux's is_selinux_enabled() would say so);
 * label_lookup_file_context asks the system's file_contexts through
 * libselinux's selabel. */
int label_backend_open_kernel(struct label_backend **ret, struct planet_error *err);
/* The same kernel backend without file_contexts: label_lookup_file_context
 * fails with -EOPNOTSUPP, everything else answers as above. A program that
 * opens only this one (planet-initd) links neither libselinux nor PCRE2. */
int label_backend_open_kernel_without_file_contexts(struct label_backend **ret,
                                                    struct planet_error *err);

/* Offline backend. file_contexts may be NULL when only policy questions are
 * asked; file lookups then fail with -ENOENT naming the missing option. */
int label_backend_open_offline(struct label_backend **ret, const char *policy_path,
                               const char *file_contexts_path, struct planet_error *err);
/* Offline backend over only the policy's symbol tables (classes,
 * permissions, types, roles, users, booleans, MLS levels): contexts,
 * classes and permissions are judged as with the whole policy, but there
 * are no rules, so every access is denied and no transition is defined.
 * For callers that only validate names (denials --format te --policy): a
 * fraction of the memory (Debian's policy: ~2 instead of ~12 MiB). Policy
 * formats older than version 24 are read whole. */
int label_backend_open_offline_symbols(struct label_backend **ret, const char *policy_path,
                                       struct planet_error *err);

void label_backend_free(struct label_backend *b);
static inline void label_backend_freep(struct label_backend **b)
{
        label_backend_free(*b);
}
#define _cleanup_label_backend_ _cleanup_(label_backend_freep)

enum label_backend_kind label_backend_get_kind(const struct label_backend *b);
/* Kernel: the live mode. Offline: ENFORCING (a policy file has no mode). */
enum label_selinux_mode label_backend_get_mode(const struct label_backend *b);
const char *label_selinux_mode_to_string(enum label_selinux_mode m);

/* The context this process runs in (getcon). Offline backends have none:
 * -ENODATA, telling the caller to pass a source context (--from). */
int label_current_context(struct label_backend *b, char **ret, struct planet_error *err);

/* Resolve what a user typed into the file the kernel would exec:
 *  - a bare name ("sshd") is searched in search_path (NULL: $PATH, or the
 *    default path when unset), each entry taken inside root;
 *  - a relative path is taken relative to root (or the cwd when root is NULL);
 *  - symlinks are followed, and with a root they cannot escape it.
 * *ret is the absolute path as seen inside root (what file_contexts matches).
 * -ENOENT (with err naming the path) when nothing exists there. */
int label_resolve_exec_path(const char *path, const char *root, const char *search_path,
                            char **ret, struct planet_error *err);

/* The label of a file that exists: kernel — getfilecon() of root+path;
 * offline — file_contexts lookup of path with the file's mode (lstat in root).
 * -ENODATA when the file carries no label / has no file_contexts entry
 * (<<none>>). */
int label_get_file_context(struct label_backend *b, const char *path, const char *root,
                           char **ret, struct planet_error *err);

/* What file_contexts says for path and mode (0 = any), whether or not the
 * file exists (matchpathcon). -ENODATA for <<none>> or no entry. */
int label_lookup_file_context(struct label_backend *b, const char *path, mode_t mode, char **ret,
                              struct planet_error *err);

/* security_compute_create: the context the policy gives an object of class
 * tclass ("process" for an exec) created by scon with target tcon. */
int label_compute_create(struct label_backend *b, const char *scon, const char *tcon,
                         const char *tclass, char **ret, struct planet_error *err);

/* Is scon allowed perm on tcon:tclass? Unknown class or permission → -EINVAL,
 * except on the kernel backend when the loaded policy handles unknown
 * classes and permissions by allowing them (deny_unknown 0): then allowed,
 * as the kernel and libselinux's selinux_check_access() answer. */
int label_check_access(struct label_backend *b, const char *scon, const char *tcon,
                       const char *tclass, const char *perm, bool *ret_allowed,
                       struct planet_error *err);

/* Is the context valid in the policy (security_check_context)? */
int label_check_context(struct label_backend *b, const char *context, struct planet_error *err);

enum label_result {
        LABEL_RESULT_TRANSITION,    /* computed domain differs from the source */
        LABEL_RESULT_NO_TRANSITION, /* computed domain == source: no rule */
        LABEL_RESULT_UNLABELED,     /* file unlabeled / no file_contexts entry */
        LABEL_RESULT_PATH_MISSING,  /* nothing exists at the path */
        LABEL_RESULT_INVALID,       /* a context the policy rejects */
};
const char *label_result_to_string(enum label_result r);

struct label_exec_domain {
        enum label_result result;
        char *path;           /* resolved absolute path inside root */
        char *file_context;   /* NULL when unlabeled or missing */
        char *source_context; /* the context exec'ing it */
        char *domain;         /* computed context; NULL unless (NO_)TRANSITION */
        char *reason;         /* for non-transition results: a sentence for a person */
};
void label_exec_domain_done(struct label_exec_domain *d);

/* The whole question: resolve path (see label_resolve_exec_path), read its
 * label, compute_create(source, file, "process"). source NULL means the
 * current context. Returns 0 with ret->result set for every answer
 * (including UNLABELED and PATH_MISSING); -errno with err set and result
 * INVALID when no answer could be had (a context the policy rejects, a root
 * that is not a directory, I/O errors), with the fields known so far filled
 * in. Either way the caller calls label_exec_domain_done(ret). */
int label_compute_exec_domain(struct label_backend *b, const char *source, const char *path,
                              const char *root, struct label_exec_domain *ret,
                              struct planet_error *err);

/* What an exec transition must satisfy beyond file execute, process
 * transition and file entrypoint: with the policy capability
 * nnp_nosuid_transition the kernel also checks process2 permissions when the
 * process has no_new_privs set (NoNewPrivileges=) or the binary lies on a
 * mount with nosuid, and refuses with a bare EPERM or EACCES. */
enum label_exec_constraint {
        LABEL_EXEC_NNP = 1 << 0,    /* process2 nnp_transition */
        LABEL_EXEC_NOSUID = 1 << 1, /* process2 nosuid_transition */
        LABEL_EXEC_ALL = LABEL_EXEC_NNP | LABEL_EXEC_NOSUID,
};

/* The permissions an exec transition needs, checked one by one so a refusal
 * can name the rule that is missing. */
struct label_transition_check {
        bool file_execute;      /* allow source file_type:file execute */
        bool process_transition;/* allow source domain:process transition */
        bool file_entrypoint;   /* allow domain file_type:file entrypoint */
        bool nnp_transition;    /* allow source domain:process2 nnp_transition */
        bool nosuid_transition; /* allow source domain:process2 nosuid_transition */
};
/* The process2 permissions are asked only for the constraints given
 * (label_exec_constraint bits; the others are left false): each is one more
 * question to the kernel on planet-initd's start path. */
int label_check_transition(struct label_backend *b, const char *source, const char *domain,
                           const char *file_context, unsigned constraints,
                           struct label_transition_check *ret, struct planet_error *err);
/* True when every rule an exec into domain needs is there, the process2
 * ones for the constraints given. */
bool label_transition_permitted(const struct label_transition_check *c, unsigned constraints);
/* The missing rules as TE allow statements, one per line ("allow a b:c p;");
 * NULL when nothing is missing. Caller frees. */
char *label_transition_missing_rules(const struct label_transition_check *c, const char *source,
                                     const char *domain, const char *file_context,
                                     unsigned constraints) _cold_;

/* Join root and an absolute path ("/r" + "/usr/bin/x"); root NULL or "/" →
 * a copy. NULL when out of memory. */
char *label_path_in_root(const char *root, const char *path);

/* Context string helpers (user:role:type[:range]). */
int label_context_type(const char *context, char **ret_type);
int label_context_with_type(const char *context, const char *type, char **ret);

/* Offline only: is type a member of attribute in the policy? -ENOENT when
 * either name is absent from the compiled policy. Attributes may
 * be expanded away in the kernel policy (small ones are), so false is not
 * proof of non-membership; see the README. Kernel backend: -EOPNOTSUPP. */
int label_type_has_attribute(struct label_backend *b, const char *type, const char *attribute,
                             bool *ret);

/* Offline only: the libsepol policydb this backend loaded, which is the one
 * libsepol's services API (sepol_compute_av_reason_buffer & co.) answers
 * from, for modules that ask more of the policy than this header does (the
 * denial explainer's verdicts and boolean what-ifs). A caller may flip
 * boolean states to test a decision but must restore them (evaluate_conds)
 * before returning. NULL for the kernel backend. */
struct policydb;
struct policydb *label_backend_get_policydb(struct label_backend *b);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux lint-fc: file-context entries that can never match under a
 * policy's path equivalences, and `--` entries that name symlinks. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "fc.h"

#define PROG "planet-selinux lint-fc"

static void usage(FILE *f)
{
        fprintf(f, "Usage: planet-selinux lint-fc [OPTIONS] FC\n"
                   "\n"
                   "Report every entry of FC (a refpolicy .fc or a file_contexts) that can never\n"
                   "match because the policy's equivalences (file_contexts.subs_dist, .subs)\n"
                   "rewrite its path first, with the spelling that would match.\n"
                   "\n"
                   "  --subs FILE         an equivalence file (repeatable, read in order)\n"
                   "  --policy-root ROOT  read ROOT/etc/selinux/TYPE/contexts/files/\n"
                   "                      file_contexts.subs_dist and .subs (default: /)\n"
                   "  --root DIR          warn on '--' entries whose path is a symlink in DIR\n"
                   "  --strict            warnings also make the exit status 1\n"
                   "  -h, --help          show this help\n"
                   "\n"
                   "Exit status: 0 clean, 1 findings, 2 usage or input error.\n");
}

/* SELINUXTYPE from ROOT/etc/selinux/config; "default" when unset. */
static int policy_type(const char *root, char **ret, struct planet_error *err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/etc/selinux/config", root) < 0)
                return -ENOMEM;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f) {
                if (errno != ENOENT)
                        return planet_error_set(err, errno, "cannot open %s: %s", path,
                                                strerror(errno));
                *ret = strdup("default");
                return *ret ? 0 : -ENOMEM;
        }
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) >= 0) {
                line[strcspn(line, "\r\n")] = '\0';
                const char *p = line + strspn(line, " \t");
                if (strncmp(p, "SELINUXTYPE=", 12))
                        continue;
                p += 12;
                if (!*p || strchr(p, '/'))
                        return planet_error_set(err, EINVAL, "%s: invalid SELINUXTYPE=%s", path, p);
                *ret = strdup(p);
                return *ret ? 0 : -ENOMEM;
        }
        *ret = strdup("default");
        return *ret ? 0 : -ENOMEM;
}

static int load_policy_subs(const char *root, struct fc_subs *subs, struct planet_error *err)
{
        _cleanup_free_ char *type = NULL;
        int r = policy_type(root, &type, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/etc/selinux/%s/contexts/files", root, type) < 0)
                return -ENOMEM;
        struct stat st;
        if (stat(dir, &st) < 0)
                return planet_error_set(err, errno,
                                        "%s: %s (is --policy-root a root with an installed "
                                        "policy?)",
                                        dir, strerror(errno));
        /* libselinux rewrites with the local equivalences first, then with the
         * distribution's (selabel_sub_key): read them in that order. */
        static const char *const names[] = {"file_contexts.subs", "file_contexts.subs_dist"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", dir, names[i]) < 0)
                        return -ENOMEM;
                r = fc_subs_load(p, subs, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A fixed path (no regex operators) that exists in root as a symlink. */
static bool names_symlink(const char *root, const struct fc_entry *e)
{
        char literal[PATH_MAX];
        size_t n = fc_regex_literal_prefix(e->regex, literal, sizeof(literal));
        /* Only when the whole specification is literal. */
        size_t raw = 0;
        for (const char *p = e->regex; *p; p++)
                if (*p != '\\')
                        raw++;
                else if (p[1])
                        p++, raw++;
        if (n == 0 || n != raw)
                return false;
        _cleanup_free_ char *full = NULL;
        if (asprintf(&full, "%s%s", root, literal) < 0)
                return false;
        struct stat st;
        return lstat(full, &st) == 0 && S_ISLNK(st.st_mode);
}

int cmd_lint_fc(int argc, char **argv)
{
        static const struct option options[] = {
                {"subs", required_argument, NULL, 's'},
                {"policy-root", required_argument, NULL, 'P'},
                {"root", required_argument, NULL, 'r'},
                {"strict", no_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_strv_free_ char **subs_files = NULL;
        size_t n_subs_files = 0;
        const char *policy_root = NULL, *root = NULL;
        bool strict = false;
        _cleanup_error_ struct planet_error err = {0};

        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 's': {
                        char **n = reallocarray(subs_files, n_subs_files + 2, sizeof(char *));
                        if (!n)
                                return 2;
                        subs_files = n;
                        subs_files[n_subs_files] = strdup(optarg);
                        if (!subs_files[n_subs_files])
                                return 2;
                        subs_files[++n_subs_files] = NULL;
                        break;
                }
                case 'P':
                        policy_root = optarg;
                        break;
                case 'r':
                        root = optarg;
                        break;
                case 'S':
                        strict = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, "%s: expected exactly one FC file; see --help\n", PROG);
                return 2;
        }
        if (n_subs_files > 0 && policy_root) {
                fprintf(stderr, "%s: --subs and --policy-root are alternatives: give one\n", PROG);
                return 2;
        }
        const char *fc_path = argv[optind];

        struct fc_subs subs = {0};
        int r = 0;
        if (n_subs_files > 0) {
                STRV_FOREACH (s, subs_files) {
                        struct stat st;
                        /* An explicit file that is missing is a mistake, not an empty set. */
                        if (stat(*s, &st) < 0) {
                                r = planet_error_set(&err, errno, "--subs %s: %s", *s,
                                                     strerror(errno));
                                break;
                        }
                        r = fc_subs_load(*s, &subs, &err);
                        if (r < 0)
                                break;
                }
        } else
                r = load_policy_subs(policy_root ? policy_root : "", &subs, &err);
        if (r < 0) {
                if (!err.errnum)
                        planet_error_set(&err, r, "cannot read the equivalences");
                planet_error_print(&err, PROG);
                fc_subs_done(&subs);
                return 2;
        }

        struct fc_file fc = {0};
        r = fc_load(fc_path, FC_FORMAT_AUTO, "s0", &fc, &err);
        if (r < 0) {
                if (!err.errnum)
                        planet_error_set(&err, r, "%s: cannot parse", fc_path);
                planet_error_print(&err, PROG);
                fc_subs_done(&subs);
                return 2;
        }

        unsigned errors = 0, warnings = 0;
        for (size_t i = 0; i < fc.n_entries; i++) {
                const struct fc_entry *e = &fc.entries[i];
                const char *alias = NULL, *original = NULL;
                _cleanup_free_ char *spelling = NULL;
                r = fc_entry_check_subs(&subs, e, &alias, &original, &spelling);
                if (r < 0) {
                        fprintf(stderr, "%s: out of memory\n", PROG);
                        errors++;
                        break;
                }
                if (r > 0) {
                        printf("%s:%u: error: '%s' can never match: paths under %s are looked "
                               "up as %s; write '%s'\n",
                               fc.name, e->line, e->regex, alias, original, spelling);
                        errors++;
                }
                if (root && e->mode == S_IFREG && names_symlink(root, e)) {
                        printf("%s:%u: warning: '%s' is a symlink in %s but the entry is for "
                               "regular files (--): the link keeps its own label and the target "
                               "is labeled by its own path\n",
                               fc.name, e->line, e->regex, root);
                        warnings++;
                }
        }
        fc_file_done(&fc);
        fc_subs_done(&subs);
        return errors > 0 || (strict && warnings > 0) ? 1 : 0;
}

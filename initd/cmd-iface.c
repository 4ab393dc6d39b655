/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux iface / def: the SELinux Cookbook's sefindif, seshowif,
 * sefinddef and seshowdef over the interface index, plus `expand` (what an
 * interface grants) and `suggest` (which interface grants an access). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "iface-cli.h"
#include "iface.h"
#include "label.h"

struct options {
        const char *include;
        const char *policy;
        bool names_only;
        bool expand;
        size_t max;
};

static void usage(FILE *f, const char *cmd, unsigned kinds)
{
        if (kinds & IFACE_KIND_DEFINE) {
                fprintf(f,
                        "Usage: planet-selinux %1$s [--include DIR] find [--name] REGEX\n"
                        "       planet-selinux %1$s [--include DIR] show [--expand] NAME...\n"
                        "\n"
                        "Find or show refpolicy support macros (define(...) in support/*.spt and\n"
                        "the layers), as sefinddef and seshowdef do.\n",
                        cmd);
        } else {
                fprintf(f,
                        "Usage: planet-selinux %1$s [--include DIR] find [--name] REGEX\n"
                        "       planet-selinux %1$s [--include DIR] show [--expand] NAME...\n"
                        "       planet-selinux %1$s [--include DIR] expand NAME [ARG...]\n"
                        "       planet-selinux %1$s [--include DIR] suggest [--max N] [--policy "
                        "FILE] "
                        "SOURCE TARGET CLASS PERM...\n"
                        "\n"
                        "Find, show and expand refpolicy interfaces and templates (sefindif,\n"
                        "seshowif), and suggest the interface that grants an access.\n",
                        cmd);
        }
        fprintf(f,
                "\n"
                "  -I, --include DIR  devel include directory or refpolicy source tree\n"
                "                     (default %s)\n"
                "  -n, --name         find: match REGEX against names only, not definitions\n"
                "  -e, --expand       show: also print the rules it grants ($1... symbolic)\n"
                "  -m, --max N        suggest: at most N candidates (default 10; 0 = all)\n"
                "  -p, --policy FILE  suggest: also match rules on attributes the target\n"
                "                     type belongs to in this compiled policy (policy.33)\n"
                "  -h, --help         this text\n"
                "\nSee planet-selinux-iface(1).\n",
                IFACE_DEFAULT_INCLUDE_DIR);
}

static const char *kind_name(enum iface_kind k)
{
        return k == IFACE_KIND_INTERFACE  ? "interface"
               : k == IFACE_KIND_TEMPLATE ? "template"
                                          : "define";
}

/* "kernel/files.if:3210" */
static void print_location(const struct iface_macro *m, FILE *f)
{
        const char *base = strrchr(m->path, '/');
        base = base ? base + 1 : m->path;
        if (strcmp(m->layer, "") != 0)
                fprintf(f, "%s/%s:%u", m->layer, base, m->line);
        else
                fprintf(f, "%s:%u", base, m->line);
}

static void print_rules(const struct iface_rules *rules, FILE *f)
{
        for (size_t i = 0; i < rules->n_rules; i++) {
                _cleanup_free_ char *s = iface_rule_to_string(&rules->rules[i]);
                if (!s)
                        continue;
                if (rules->rules[i].via)
                        fprintf(f, "%-72s # %s\n", s, rules->rules[i].via);
                else
                        fprintf(f, "%s\n", s);
        }
        STRV_FOREACH (u, rules->unresolved)
                fprintf(f, "# not in the index, not expanded: %s()\n", *u);
}

static int do_find(struct iface_index *idx, const char *regex, unsigned kinds,
                   const struct options *o)
{
        _cleanup_error_ struct planet_error err = {0};
        struct iface_hit *hits = NULL;
        size_t n = 0;
        if (iface_find(idx, regex, kinds, &hits, &n, &err) < 0) {
                planet_error_print(&err, "planet-selinux");
                return 2;
        }
        size_t shown = 0;
        for (size_t i = 0; i < n; i++) {
                const struct iface_macro *m = hits[i].macro;
                if (o->names_only && !hits[i].name_matched)
                        continue;
                print_location(m, stdout);
                printf(": %s %s", kind_name(m->kind), m->name);
                if (m->summary)
                        printf(": %s", m->summary);
                putchar('\n');
                if (!o->names_only)
                        STRV_FOREACH (l, hits[i].lines)
                                printf("\t%s\n", *l);
                shown++;
        }
        iface_hits_free(hits, n);
        if (shown == 0) {
                fprintf(stderr, "planet-selinux: nothing matches '%s'\n", regex);
                return 1;
        }
        return 0;
}

static int do_show(struct iface_index *idx, char **names, size_t n_names, unsigned kinds,
                   const struct options *o)
{
        int status = 0;
        for (size_t i = 0; i < n_names; i++) {
                const struct iface_macro *m = iface_lookup(idx, names[i]);
                if (!m || !(m->kind & kinds)) {
                        fprintf(stderr,
                                "planet-selinux: %s is not %s in the index; try 'planet-selinux "
                                "%s find %s'\n",
                                names[i], "an interface, template or support macro", "iface",
                                names[i]);
                        status = 1;
                        continue;
                }
                if (i > 0)
                        putchar('\n');
                printf("# ");
                print_location(m, stdout);
                printf(": %s %s\n", kind_name(m->kind), m->name);
                if (m->summary)
                        printf("# Summary: %s\n", m->summary);
                for (size_t p = 0; p < m->n_params; p++)
                        printf("# $%zu %s%s: %s\n", p + 1,
                               m->params[p].name ? m->params[p].name : "?",
                               m->params[p].optional ? " (optional)" : "",
                               m->params[p].summary ? m->params[p].summary : "");
                fwrite(m->doc, 1, m->doc_len, stdout);
                fwrite(m->text, 1, m->text_len, stdout);
                putchar('\n');
                if (o->expand) {
                        _cleanup_error_ struct planet_error err = {0};
                        struct iface_rules rules = {0};
                        if (iface_expand(idx, m->name, NULL, 0, &rules, &err) < 0) {
                                planet_error_print(&err, "planet-selinux");
                                status = 1;
                                continue;
                        }
                        printf("# Grants (parameters left as $1, $2, ...):\n");
                        print_rules(&rules, stdout);
                        iface_rules_done(&rules);
                }
        }
        return status;
}

static int do_expand(struct iface_index *idx, const char *name, char **args, size_t n_args)
{
        _cleanup_error_ struct planet_error err = {0};
        struct iface_rules rules = {0};
        if (iface_expand(idx, name, n_args ? (const char *const *) args : NULL, n_args, &rules,
                         &err) < 0) {
                planet_error_print(&err, "planet-selinux");
                return err.errnum == ENOENT ? 1 : 2;
        }
        print_rules(&rules, stdout);
        iface_rules_done(&rules);
        return 0;
}

/* Attribute membership from a compiled policy, for rules written against
 * attributes such as file_type. Unknown names are simply not members. */
static bool policy_type_matches(const char *type, const char *attribute, void *userdata)
{
        bool member = false;
        return label_type_has_attribute(userdata, type, attribute, &member) >= 0 && member;
}

static int do_suggest(struct iface_index *idx, char **argv, size_t argc, const struct options *o)
{
        if (argc < 4) {
                fprintf(stderr, "planet-selinux: iface suggest needs SOURCE TARGET CLASS PERM..., "
                                "e.g. 'iface suggest myapp_t etc_t file read open'\n");
                return 2;
        }
        struct iface_access need = {
                .source = argv[0],
                .target = argv[1],
                .tclass = argv[2],
                .perms = (const char *const *) argv + 3,
                .n_perms = argc - 3,
        };
        struct iface_suggest_options opts = {.max_results = o->max};
        _cleanup_error_ struct planet_error err = {0};
        _cleanup_label_backend_ struct label_backend *policy = NULL;
        if (o->policy) {
                if (label_backend_open_offline(&policy, o->policy, NULL, &err) < 0) {
                        planet_error_print(&err, "planet-selinux");
                        return 2;
                }
                opts.type_matches = policy_type_matches;
                opts.userdata = policy;
        }
        struct iface_suggestion *s = NULL;
        size_t n = 0;
        if (iface_suggest(idx, &need, &opts, &s, &n, &err) < 0) {
                planet_error_print(&err, "planet-selinux");
                return 2;
        }
        if (n == 0) {
                bool read_only = true;
                printf("No interface grants %s %s:%s {", need.source, need.target, need.tclass);
                for (size_t i = 0; i < need.n_perms; i++) {
                        printf(" %s", need.perms[i]);
                        if (iface_perm_is_write(need.perms[i]))
                                read_only = false;
                }
                printf(" }%s.\n",
                       read_only ? " without also granting write-class permissions" : "");
                printf("Write the rule in the module that owns %s, or an interface in the module "
                       "that owns %s.\n",
                       need.source, need.target);
                if (!o->policy)
                        printf("With --policy, rules on attributes %s belongs to are searched "
                               "too.\n",
                               need.target);
                free(s);
                return 1;
        }
        for (size_t i = 0; i < n; i++) {
                printf("%zu. %s\n", i + 1, s[i].call);
                if (s[i].macro->summary)
                        printf("   %s\n", s[i].macro->summary);
                printf("   why: %s\n", s[i].why);
        }
        iface_suggestions_free(s, n);
        return 0;
}

int iface_cli_main(int argc, char **argv, unsigned kinds)
{
        static const struct option longopts[] = {
                {"include", required_argument, NULL, 'I'},
                {"name", no_argument, NULL, 'n'},
                {"expand", no_argument, NULL, 'e'},
                {"max", required_argument, NULL, 'm'},
                {"policy", required_argument, NULL, 'p'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *cmd = argv[0];
        struct options o = {.max = 10};
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "I:nem:p:h", longopts, NULL)) >= 0) {
                switch (c) {
                case 'I':
                        o.include = optarg;
                        break;
                case 'n':
                        o.names_only = true;
                        break;
                case 'e':
                        o.expand = true;
                        break;
                case 'p':
                        o.policy = optarg;
                        break;
                case 'm': {
                        char *end;
                        errno = 0;
                        unsigned long v = strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg) {
                                fprintf(stderr,
                                        "planet-selinux %s: --max wants a number, not '%s'\n", cmd,
                                        optarg);
                                return 2;
                        }
                        o.max = v;
                        break;
                }
                case 'h':
                        usage(stdout, cmd, kinds);
                        return 0;
                default:
                        fprintf(stderr, "Run 'planet-selinux %s --help' for usage.\n", cmd);
                        return 2;
                }
        }
        if (optind >= argc) {
                usage(stderr, cmd, kinds);
                return 2;
        }
        const char *verb = argv[optind++];
        char **rest = argv + optind;
        size_t n_rest = argc - optind;
        bool is_define = kinds & IFACE_KIND_DEFINE;

        if (!strcmp(verb, "find")) {
                if (n_rest != 1) {
                        fprintf(stderr, "planet-selinux %s find takes one REGEX\n", cmd);
                        return 2;
                }
        } else if (!strcmp(verb, "show")) {
                if (n_rest < 1) {
                        fprintf(stderr, "planet-selinux %s show takes one or more NAMEs\n", cmd);
                        return 2;
                }
        } else if (!is_define && !strcmp(verb, "expand")) {
                if (n_rest < 1) {
                        fprintf(stderr, "planet-selinux %s expand takes NAME [ARG...]\n", cmd);
                        return 2;
                }
        } else if (!is_define && !strcmp(verb, "suggest")) {
                /* checked in do_suggest */
        } else {
                fprintf(stderr,
                        "planet-selinux %s: unknown action '%s'; run 'planet-selinux %s --help'\n",
                        cmd, verb, cmd);
                return 2;
        }

        _cleanup_error_ struct planet_error err = {0};
        _cleanup_iface_index_ struct iface_index *idx = NULL;
        if (iface_index_load(o.include, &idx, &err) < 0) {
                planet_error_print(&err, "planet-selinux");
                return 2;
        }

        if (!strcmp(verb, "find"))
                return do_find(idx, rest[0], kinds, &o);
        if (!strcmp(verb, "show"))
                return do_show(idx, rest, n_rest, IFACE_KINDS_ALL, &o);
        if (!strcmp(verb, "expand"))
                return do_expand(idx, rest[0], rest + 1, n_rest - 1);
        return do_suggest(idx, rest, n_rest, &o);
}

int cmd_iface(int argc, char **argv)
{
        return iface_cli_main(argc, argv, IFACE_KINDS_IFACE);
}

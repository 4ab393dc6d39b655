/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* planet-selinux generate: unit drop-ins that wrap gravity binaries in
 * planet-initd, computed offline from the .fc / file_contexts and a compiled
 * policy. The work is in initd/lib/generate.c; this parses options and
 * prints the report. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "generate.h"

static void usage(FILE *f)
{
        fputs("Usage: planet-selinux generate --units DIR [--fc FILE.fc] [--file-contexts FILE]\n"
              "                               --policy FILE [--from CONTEXT] [--root DIR]\n"
              "                               --out DIR [--check] [--wrap-unverified]\n"
              "\n"
              "Write OUT/NAME.d/" GENERATE_DROPIN_NAME " for every unit in DIR whose\n"
              "binaries are gravity executables: ExecStart= through planet-initd with the\n"
              "domain the policy computes. Units it does not touch are listed.\n"
              "\n"
              "  --units DIR            unit files (and their NAME.d/ drop-ins) to read;\n"
              "                         repeat for a search path, highest priority first\n"
              "  --fc FILE              a refpolicy .fc (gen_context form), e.g. "
              "policy/gravity.fc\n"
              "  --file-contexts FILE   a compiled file_contexts (with .fc: the base it extends)\n"
              "  --policy FILE          compiled policy (policy.33) to compute domains with\n"
              "  --from CONTEXT         context that execs ExecStart= (default\n"
              "                         " GENERATE_DEFAULT_FROM ")\n"
              "  --root DIR             look binaries up inside DIR (bare names, symlinks)\n"
              "  --out DIR              where drop-ins go (NAME.d/ per unit)\n"
              "  --initd PATH           the wrapper's path in units (default "
              "/usr/bin/planet-initd)\n"
              "  --cache-dir DIR        keep the policy's and file contexts' answers here\n"
              "                         between runs, keyed by their SHA-256 (default\n"
              "                         $XDG_CACHE_HOME/planet-selinux or ~/.cache/...)\n"
              "  --no-cache             read the policy and file contexts every run\n"
              "  --check                write nothing; exit 1 when OUT differs (drift)\n"
              "  --wrap-unverified      wrap a gravity binary whose domain cannot be verified\n"
              "                         without --expect-domain (planet-initd refuses it at\n"
              "                         start) instead of failing\n"
              "  --executable-attribute ATTR\n"
              "                         the policy's attribute of wrapped exec types (default\n"
              "                         " GENERATE_EXECUTABLE_ATTRIBUTE ")\n"
              "  -q, --quiet            print only failures and drift\n"
              "\n"
              "Exit status: 0 done; 1 a unit failed or (--check) drift; 2 bad usage or input.\n"
              "See planet-selinux-generate(1).\n",
              f);
}

int cmd_generate(int argc, char **argv)
{
        enum {
                OPT_UNITS = 0x100,
                OPT_FC,
                OPT_FILE_CONTEXTS,
                OPT_POLICY,
                OPT_FROM,
                OPT_ROOT,
                OPT_OUT,
                OPT_INITD,
                OPT_CHECK,
                OPT_WRAP_UNVERIFIED,
                OPT_EXECUTABLE_ATTRIBUTE,
                OPT_CACHE_DIR,
                OPT_NO_CACHE,
        };
        static const struct option options[] = {
                {"units", required_argument, NULL, OPT_UNITS},
                {"fc", required_argument, NULL, OPT_FC},
                {"file-contexts", required_argument, NULL, OPT_FILE_CONTEXTS},
                {"policy", required_argument, NULL, OPT_POLICY},
                {"from", required_argument, NULL, OPT_FROM},
                {"root", required_argument, NULL, OPT_ROOT},
                {"out", required_argument, NULL, OPT_OUT},
                {"initd", required_argument, NULL, OPT_INITD},
                {"check", no_argument, NULL, OPT_CHECK},
                {"wrap-unverified", no_argument, NULL, OPT_WRAP_UNVERIFIED},
                {"executable-attribute", required_argument, NULL, OPT_EXECUTABLE_ATTRIBUTE},
                {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
                {"no-cache", no_argument, NULL, OPT_NO_CACHE},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct generate_options o = {0};
        /* --units may be repeated: highest priority first, as systemd's
         * search path (e.g. --units /etc/systemd/system --units /usr/lib/…). */
        const char *units[17] = {0};
        size_t n_units = 0;
        bool quiet = false, no_cache = false;
        const char *cache_dir = NULL;
        int c, r = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) >= 0) {
                switch (c) {
                case OPT_UNITS:
                        if (n_units == ELEMENTSOF(units) - 1) {
                                fprintf(stderr, "planet-selinux generate: at most %zu --units\n",
                                        ELEMENTSOF(units) - 1);
                                return 2;
                        }
                        units[n_units++] = optarg;
                        break;
                case OPT_FC:
                        o.fc_path = optarg;
                        break;
                case OPT_FILE_CONTEXTS:
                        o.file_contexts_path = optarg;
                        break;
                case OPT_POLICY:
                        o.policy_path = optarg;
                        break;
                case OPT_FROM:
                        o.from = optarg;
                        break;
                case OPT_ROOT:
                        o.root = optarg;
                        break;
                case OPT_OUT:
                        o.out_dir = optarg;
                        break;
                case OPT_INITD:
                        o.initd_path = optarg;
                        break;
                case OPT_CHECK:
                        o.check = true;
                        break;
                case OPT_WRAP_UNVERIFIED:
                        o.wrap_unverified = true;
                        break;
                case OPT_EXECUTABLE_ATTRIBUTE:
                        o.executable_attribute = optarg;
                        break;
                case OPT_CACHE_DIR:
                        cache_dir = optarg;
                        break;
                case OPT_NO_CACHE:
                        no_cache = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "planet-selinux generate: unexpected argument '%s'\n",
                        argv[optind]);
                return 2;
        }
        if (n_units == 0 || !o.out_dir) {
                fprintf(stderr, "planet-selinux generate: --units DIR and --out DIR are required "
                                "(see --help)\n");
                return 2;
        }
        if (o.initd_path && o.initd_path[0] != '/') {
                fprintf(stderr, "planet-selinux generate: --initd must be an absolute path\n");
                return 2;
        }
        o.unit_dirs = units;
        _cleanup_free_ char *default_cache = NULL;
        if (!no_cache && !cache_dir) {
                /* The user's cache, as XDG says; none without a home. */
                const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
                if (xdg && xdg[0] == '/')
                        r = asprintf(&default_cache, "%s/planet-selinux", xdg);
                else if (home && home[0] == '/')
                        r = asprintf(&default_cache, "%s/.cache/planet-selinux", home);
                if (r < 0) {
                        fprintf(stderr, "planet-selinux generate: out of memory\n");
                        return 2;
                }
                cache_dir = default_cache;
        }
        if (!no_cache)
                o.cache_dir = cache_dir;

        _cleanup_error_ struct planet_error err = {0};
        struct generate_context *g = NULL;
        r = generate_context_open(&o, &g, &err);
        if (r < 0) {
                planet_error_print(&err, "planet-selinux generate");
                return 2;
        }
        struct generate_report rep = {0};
        r = generate_run(g, &rep, &err);
        /* Fast exit: when the policy was read, freeing libsepol's policydb
         * (hundreds of thousands of small allocations) costs ~10 ms, and
         * the process ends right after; the kernel takes the memory back at
         * once. Nothing is pending in g (generate_run wrote everything and
         * closed its files). Sanitizer builds free it, for the leak check. */
#if defined(__SANITIZE_ADDRESS__)
        generate_context_free(g);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
        generate_context_free(g);
#endif
#endif
        if (r < 0) {
                planet_error_print(&err, "planet-selinux generate");
                return 2;
        }

        for (size_t i = 0; i < rep.n_units; i++) {
                const struct generate_unit_result *u = &rep.units[i];
                if (u->verdict == GENERATE_FAILED) {
                        fprintf(stderr, "planet-selinux generate: %s: %s\n", u->name, u->summary);
                        continue;
                }
                if (u->drift)
                        printf("drift      %s: %s/%s.d/%s %s\n", u->name, o.out_dir, u->name,
                               GENERATE_DROPIN_NAME,
                               u->verdict == GENERATE_WRAPPED ? "is missing or differs"
                                                              : "should not exist");
                else if (!quiet)
                        printf("%-10s %s: %s%s\n", generate_verdict_to_string(u->verdict), u->name,
                               u->summary, u->changed ? " (updated)" : "");
        }
        if (!quiet || rep.n_failed || rep.n_drift)
                printf("%zu wrapped, %zu left alone, %zu failed%s", rep.n_wrapped, rep.n_left,
                       rep.n_failed, o.check ? "" : "\n");
        if (o.check && (!quiet || rep.n_failed || rep.n_drift))
                printf(", %zu drifted%s\n", rep.n_drift,
                       rep.n_drift ? ": run without --check to regenerate" : "");
        STRV_FOREACH (n, rep.notes)
                fprintf(stderr, "planet-selinux generate: note: %s\n", *n);
        if (!quiet && o.policy_path)
                printf("policy %s: %s\n", o.policy_path,
                       rep.policy_read
                               ? "read"
                               : "not read, every answer from the answer cache (same SHA-256)");
        int status = rep.n_failed || (o.check && rep.n_drift) ? 1 : 0;
        generate_report_done(&rep);
        return status;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The offline label backend: a compiled policy read through libsepol and a
 * file_contexts read through selabel. It answers what the kernel would,
 * without an SELinux kernel.
 *
 * libsepol's services API (sepol_transition_sid & co.) computes against one
 * library-global policydb/sidtab pair: we own the storage (in the backend)
 * and point libsepol at it; hence at most one offline backend per process. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sepol/debug.h>
#include <sepol/policydb/ebitmap.h>
#include <sepol/policydb/policydb.h>
#include <sepol/policydb/services.h>
#include <sepol/policydb/sidtab.h>

#include "fcmatch.h"
#include "label-internal.h"

struct offline_backend {
        struct label_backend base; /* first: the API hands out &base */
        policydb_t policydb;
        sidtab_t sidtab;
        char *policy_path;
        struct fc_matcher *file_contexts; /* NULL when none was given */
        char *file_contexts_path;
};

static struct offline_backend *to_offline(struct label_backend *b)
{
        return (struct offline_backend *) b;
}

static void offline_free(struct label_backend *b)
{
        struct offline_backend *o = to_offline(b);
        /* Detach libsepol from the storage before freeing it. */
        sepol_set_policydb(NULL);
        sepol_set_sidtab(NULL);
        sepol_sidtab_destroy(&o->sidtab);
        policydb_destroy(&o->policydb);
        fc_matcher_free(o->file_contexts);
        free(o->file_contexts_path);
        free(o->policy_path);
        free(o);
}

static int offline_lookup_file_context(struct label_backend *b, const char *path, mode_t mode,
                                       char **ret, struct planet_error *err)
{
        struct offline_backend *o = to_offline(b);
        if (!o->file_contexts)
                return planet_error_set(err, ENOENT,
                                        "no file_contexts given: pass --file-contexts FILE");
        const struct fc_entry *e = NULL;
        int r = fc_matcher_lookup(o->file_contexts, path, mode, &e, NULL, err);
        if (r == -ENOENT)
                return planet_error_set(err, ENODATA,
                                        "%s has no entry in %s (or it says <<none>>)", path,
                                        o->file_contexts_path);
        if (r < 0)
                return r;
        char *con = strdup(e->context);
        if (!con)
                return -ENOMEM;
        *ret = con;
        return 0;
}

static int offline_current_context(struct label_backend *b, char **ret, struct planet_error *err)
{
        return planet_error_set(err, ENODATA,
                                "a policy file has no 'current' context: say which context "
                                "execs the binary (--from CONTEXT, e.g. "
                                "system_u:system_r:init_t:s0)");
}

static int offline_get_file_context(struct label_backend *b, const char *path, const char *root,
                                    char **ret, struct planet_error *err)
{
        _cleanup_free_ char *full = label_path_in_root(root, path);
        if (!full)
                return -ENOMEM;
        struct stat st;
        if (lstat(full, &st) < 0)
                return planet_error_set(err, errno, "cannot look at %s: %m", full);
        /* What setfiles/restorecon would give this file. */
        return label_lookup_file_context(b, path, st.st_mode & S_IFMT, ret, err);
}

static int to_sid(const char *context, sepol_security_id_t *ret, struct planet_error *err)
{
        if (!context || !*context)
                return planet_error_set(err, EINVAL, "empty security context");
        if (sepol_context_to_sid(context, strlen(context) + 1, ret) < 0)
                return planet_error_set(err, EINVAL,
                                        "'%s' is not a valid context in this policy "
                                        "(unknown user, role or type, or a role/type pair "
                                        "the policy does not allow)",
                                        context);
        return 0;
}

static int to_class(const char *tclass, sepol_security_class_t *ret, struct planet_error *err)
{
        if (sepol_string_to_security_class(tclass, ret) < 0)
                return planet_error_set(err, EINVAL, "the policy has no class '%s'", tclass);
        return 0;
}

static int offline_compute_create(struct label_backend *b, const char *scon, const char *tcon,
                                  const char *tclass, char **ret, struct planet_error *err)
{
        sepol_security_id_t ssid = 0, tsid = 0, out = 0;
        sepol_security_class_t c = 0;
        int r;

        if ((r = to_sid(scon, &ssid, err)) < 0 || (r = to_sid(tcon, &tsid, err)) < 0 ||
            (r = to_class(tclass, &c, err)) < 0)
                return r;
        if (sepol_transition_sid(ssid, tsid, c, &out) < 0)
                return planet_error_set(err, EINVAL,
                                        "the policy computes no valid context for %s creating "
                                        "%s from %s (an invalid transition result)",
                                        scon, tclass, tcon);
        char *con = NULL;
        size_t len = 0;
        if (sepol_sid_to_context(out, &con, &len) < 0)
                return -ENOMEM;
        *ret = con;
        return 0;
}

static int offline_check_access(struct label_backend *b, const char *scon, const char *tcon,
                                const char *tclass, const char *perm, bool *ret,
                                struct planet_error *err)
{
        sepol_security_id_t ssid = 0, tsid = 0;
        sepol_security_class_t c = 0;
        sepol_access_vector_t av = 0;
        struct sepol_av_decision avd;
        int r;

        if ((r = to_sid(scon, &ssid, err)) < 0 || (r = to_sid(tcon, &tsid, err)) < 0 ||
            (r = to_class(tclass, &c, err)) < 0)
                return r;
        if (sepol_string_to_av_perm(c, perm, &av) < 0)
                return planet_error_set(err, EINVAL, "class '%s' has no permission '%s'", tclass,
                                        perm);
        if (sepol_compute_av(ssid, tsid, c, av, &avd) < 0)
                return planet_error_set(err, EINVAL, "cannot compute access for %s on %s:%s",
                                        scon, tcon, tclass);
        *ret = (avd.allowed & av) == av;
        return 0;
}

static int offline_check_context(struct label_backend *b, const char *context,
                                 struct planet_error *err)
{
        sepol_security_id_t sid;
        return to_sid(context, &sid, err);
}

static int offline_type_has_attribute(struct label_backend *b, const char *type,
                                      const char *attribute, bool *ret)
{
        policydb_t *p = &to_offline(b)->policydb;
        type_datum_t *t = hashtab_search(p->p_types.table, (hashtab_key_t) type);
        if (!t)
                return -ENOENT;
        type_datum_t *a = hashtab_search(p->p_types.table, (hashtab_key_t) attribute);
        if (!a || a->flavor != TYPE_ATTRIB)
                return -ENOENT; /* absent, or expanded away when the policy was built */
        *ret = p->type_attr_map && ebitmap_get_bit(&p->type_attr_map[t->s.value - 1],
                                                   a->s.value - 1);
        return 0;
}

static const struct label_backend_ops offline_ops = {
        .free = offline_free,
        .current_context = offline_current_context,
        .get_file_context = offline_get_file_context,
        .lookup_file_context = offline_lookup_file_context,
        .compute_create = offline_compute_create,
        .check_access = offline_check_access,
        .check_context = offline_check_context,
        .type_has_attribute = offline_type_has_attribute,
};

/* ---- symbol tables only ------------------------------------------------ */

/* A cursor over a kernel policy image that only skips: it walks what
 * libsepol's policydb_read() reads up to the end of the symbol tables, so
 * that the rest (the access vector table, ~80% of the memory a loaded
 * policy takes) can be replaced by an empty stand-in. */
struct image_cursor {
        const uint8_t *p;
        size_t len, off;
        bool bad; /* ran past the end: the image is not what it says */
};

static uint32_t take32(struct image_cursor *c)
{
        if (c->bad || c->len - c->off < 4) {
                c->bad = true;
                return 0;
        }
        uint32_t v;
        memcpy(&v, c->p + c->off, 4);
        c->off += 4;
        return le32toh(v);
}

static void skip_bytes(struct image_cursor *c, uint64_t n)
{
        if (c->bad || n > c->len - c->off)
                c->bad = true;
        else
                c->off += n;
}

static void skip_ebitmap(struct image_cursor *c)
{
        take32(c); /* map unit */
        take32(c); /* high bit */
        uint32_t count = take32(c);
        skip_bytes(c, (uint64_t) count * 12); /* start bit (u32) + map (u64) each */
}

static void skip_perms(struct image_cursor *c, uint32_t n)
{
        for (uint32_t i = 0; i < n && !c->bad; i++) {
                uint32_t len = take32(c);
                take32(c); /* value */
                skip_bytes(c, len);
        }
}

static void skip_constraints(struct image_cursor *c, uint32_t n, uint32_t vers)
{
        for (uint32_t i = 0; i < n && !c->bad; i++) {
                take32(c); /* permissions */
                uint32_t nexpr = take32(c);
                for (uint32_t j = 0; j < nexpr && !c->bad; j++) {
                        uint32_t type = take32(c);
                        take32(c); /* attr */
                        take32(c); /* op */
                        if (type != CEXPR_NAMES)
                                continue;
                        skip_ebitmap(c); /* names */
                        if (vers >= POLICYDB_VERSION_CONSTRAINT_NAMES) {
                                skip_ebitmap(c); /* type set: types, negset, flags */
                                skip_ebitmap(c);
                                take32(c);
                        }
                }
        }
}

static void skip_mls_level(struct image_cursor *c)
{
        take32(c); /* sensitivity */
        skip_ebitmap(c);
}

/* A symbol: its name's length, `fields` more u32 fields, then the name. */
static void skip_named(struct image_cursor *c, unsigned fields)
{
        uint32_t len = take32(c);
        skip_bytes(c, (uint64_t) fields * 4);
        skip_bytes(c, len);
}

/* One entry of symbol table `table` (commons, classes, roles, types, users,
 * booleans, sensitivities, categories), as policydb_read() reads a kernel
 * policy of version vers (>= POLICYDB_VERSION_BOUNDARY). */
static void skip_symbol(struct image_cursor *c, unsigned table, uint32_t vers)
{
        uint32_t len, n, ncons, items;
        switch (table) {
        case SYM_COMMONS:
                len = take32(c);
                take32(c); /* value */
                take32(c); /* nprim */
                n = take32(c);
                skip_bytes(c, len);
                skip_perms(c, n);
                break;
        case SYM_CLASSES: {
                len = take32(c);
                uint32_t common_len = take32(c);
                take32(c); /* value */
                take32(c); /* nprim */
                n = take32(c);
                ncons = take32(c);
                skip_bytes(c, len);
                skip_bytes(c, common_len);
                skip_perms(c, n);
                skip_constraints(c, ncons, vers);
                skip_constraints(c, take32(c), vers); /* validatetrans */
                if (vers >= POLICYDB_VERSION_NEW_OBJECT_DEFAULTS)
                        skip_bytes(c, 3 * 4); /* default user, role, range */
                if (vers >= POLICYDB_VERSION_DEFAULT_TYPE)
                        take32(c);
                break;
        }
        case SYM_ROLES:
                skip_named(c, 2); /* value, bounds */
                skip_ebitmap(c);  /* dominates */
                skip_ebitmap(c); /* types */
                break;
        case SYM_TYPES:
                skip_named(c, 3); /* value, properties, bounds */
                break;
        case SYM_USERS:
                skip_named(c, 2);  /* value, bounds */
                skip_ebitmap(c);   /* roles */
                items = take32(c); /* MLS range: 1 or 2 sensitivities */
                if (items < 1 || items > 2)
                        c->bad = true;
                skip_bytes(c, (uint64_t) items * 4);
                skip_ebitmap(c);
                if (items > 1)
                        skip_ebitmap(c);
                skip_mls_level(c); /* default level */
                break;
        case SYM_BOOLS:
                take32(c); /* value */
                take32(c); /* state */
                skip_bytes(c, take32(c));
                break;
        case SYM_LEVELS:
                skip_named(c, 1); /* is alias */
                skip_mls_level(c);
                break;
        case SYM_CATS:
                skip_named(c, 2); /* value, is alias */
                break;
        default:
                c->bad = true;
        }
}

static void put32(uint8_t **q, uint32_t v)
{
        v = htole32(v);
        memcpy(*q, &v, 4);
        *q += 4;
}

static void put16(uint8_t **q, uint16_t v)
{
        v = htole16(v);
        memcpy(*q, &v, 2);
        *q += 2;
}

/* A copy of a kernel policy image with everything after the symbol tables
 * replaced by empty sections: libsepol reads it as a policy with the same
 * classes, permissions, types, attributes' names, roles, users, booleans and
 * MLS levels (so contexts validate as they would), and no rules. The access
 * vector table must hold one entry: a permission-less allow of the first
 * type on itself. -EOPNOTSUPP for formats this does not know (older than
 * POLICYDB_VERSION_BOUNDARY, or not a kernel policy): load it whole then. */
static int symbols_only_image(const uint8_t *p, size_t len, uint8_t **ret, size_t *ret_len)
{
        struct image_cursor c = {.p = p, .len = len};
        if (take32(&c) != POLICYDB_MAGIC)
                return -EOPNOTSUPP;
        skip_bytes(&c, take32(&c)); /* "SE Linux" */
        uint32_t vers = take32(&c);
        take32(&c); /* config */
        uint32_t sym_num = take32(&c), ocon_num = take32(&c);
        if (c.bad || vers < POLICYDB_VERSION_BOUNDARY || vers > POLICYDB_VERSION_MAX ||
            sym_num != SYM_NUM || ocon_num > 64)
                return -EOPNOTSUPP;
        skip_ebitmap(&c); /* policy capabilities */
        skip_ebitmap(&c); /* permissive types */
        uint32_t n_types = 0;
        for (unsigned table = 0; table < SYM_NUM && !c.bad; table++) {
                uint32_t nprim = take32(&c), nel = take32(&c);
                /* libsepol sizes arrays by nprim: no more than the image
                 * could describe. */
                if (nprim > len)
                        c.bad = true;
                if (table == SYM_TYPES)
                        n_types = nprim;
                for (uint32_t i = 0; i < nel && !c.bad; i++)
                        skip_symbol(&c, table, vers);
        }
        /* A real image ends with one bitmap (>= 12 bytes) per type value. */
        if (c.bad || n_types == 0 || (uint64_t) n_types * 12 > len - c.off)
                return -EINVAL;

        size_t tail = 4 + 4 * 2 + 4     /* access vectors: one entry */
                      + 4 + 4 + 4 + 4   /* conditionals, role transitions and allows, names */
                      + ocon_num * 4    /* object contexts */
                      + 4 + 4           /* genfs, range transitions */
                      + n_types * 12ul; /* type → attribute map, empty bitmaps */
        uint8_t *img = malloc(c.off + tail);
        if (!img)
                return -ENOMEM;
        memcpy(img, p, c.off);
        uint8_t *q = img + c.off;
        put32(&q, 1);             /* access vectors: libsepol wants one, */
        put16(&q, 1);             /* source type 1, */
        put16(&q, 1);             /* target type 1, */
        put16(&q, 1);             /* class 1, */
        put16(&q, AVTAB_ALLOWED); /* allowed: */
        put32(&q, 0);             /* no permission */
        put32(&q, 0);             /* conditional rules */
        put32(&q, 0);             /* role transitions */
        put32(&q, 0);             /* role allows */
        if (vers >= POLICYDB_VERSION_FILENAME_TRANS)
                put32(&q, 0); /* named type transitions */
        for (uint32_t i = 0; i < ocon_num; i++)
                put32(&q, 0); /* object contexts (initial SIDs, ports, …) */
        put32(&q, 0);         /* genfs */
        put32(&q, 0);         /* range transitions */
        for (uint32_t i = 0; i < n_types; i++) {
                put32(&q, MAPSIZE);
                put32(&q, 0);
                put32(&q, 0);
        }
        *ret = img;
        *ret_len = (size_t) (q - img);
        return 0;
}

static int read_policy(struct offline_backend *o, const char *path, bool symbols_only,
                       struct planet_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return planet_error_set(err, errno,
                                        "cannot open policy %s: %m (a compiled policy such as "
                                        "/etc/selinux/default/policy/policy.33)",
                                        path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return planet_error_set(err, errno, "cannot stat policy %s: %m", path);
        if (!S_ISREG(st.st_mode) || st.st_size == 0)
                return planet_error_set(err, EINVAL, "policy %s is not a non-empty regular file",
                                        path);
        void *map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return planet_error_set(err, errno, "cannot map policy %s: %m", path);

        _cleanup_free_ uint8_t *lean = NULL;
        size_t lean_len = 0;
        /* A format the symbol reader does not know (-EOPNOTSUPP) is read
         * whole; one it finds broken is refused like libsepol refuses it. */
        int r = symbols_only ? symbols_only_image(map, st.st_size, &lean, &lean_len) : 0;
        if (r < 0 && r != -EOPNOTSUPP) {
                munmap(map, st.st_size);
                if (r == -ENOMEM)
                        return r;
                return planet_error_set(err, EINVAL,
                                        "%s is not a compiled SELinux policy libsepol can read "
                                        "(corrupt, or not a kernel policy file)",
                                        path);
        }
        struct policy_file pf;
        policy_file_init(&pf);
        pf.type = PF_USE_MEMORY;
        pf.data = lean ? (char *) lean : map;
        pf.len = lean ? lean_len : (size_t) st.st_size;
        r = policydb_init(&o->policydb);
        if (r == 0)
                r = policydb_read(&o->policydb, &pf, 0);
        munmap(map, st.st_size);
        if (r != 0) {
                policydb_destroy(&o->policydb);
                return planet_error_set(err, EINVAL,
                                        "%s is not a compiled SELinux policy libsepol can read "
                                        "(corrupt, or not a kernel policy file)",
                                        path);
        }
        return 0;
}

static int open_offline(struct label_backend **ret, const char *policy_path,
                        const char *file_contexts_path, bool symbols_only,
                        struct planet_error *err);

int label_backend_open_offline(struct label_backend **ret, const char *policy_path,
                               const char *file_contexts_path, struct planet_error *err)
{
        return open_offline(ret, policy_path, file_contexts_path, false, err);
}

int label_backend_open_offline_symbols(struct label_backend **ret, const char *policy_path,
                                       struct planet_error *err)
{
        return open_offline(ret, policy_path, NULL, true, err);
}

static int open_offline(struct label_backend **ret, const char *policy_path,
                        const char *file_contexts_path, bool symbols_only, struct planet_error *err)
{
        if (!policy_path)
                return planet_error_set(err, EINVAL, "no policy file given (--policy FILE)");

        struct offline_backend *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->base.ops = &offline_ops;
        o->base.kind = LABEL_BACKEND_OFFLINE;
        o->base.mode = LABEL_SELINUX_ENFORCING;
        o->policy_path = strdup(policy_path);
        if (!o->policy_path) {
                free(o);
                return -ENOMEM;
        }

        /* libsepol prints its own diagnostics to stderr; ours name the file. */
        sepol_debug(0);

        int r = read_policy(o, policy_path, symbols_only, err);
        if (r < 0) {
                free(o->policy_path);
                free(o);
                return r;
        }
        if (sepol_sidtab_init(&o->sidtab) < 0) {
                policydb_destroy(&o->policydb);
                free(o->policy_path);
                free(o);
                return -ENOMEM;
        }
        sepol_set_policydb(&o->policydb);
        sepol_set_sidtab(&o->sidtab);

        if (file_contexts_path) {
                o->file_contexts_path = strdup(file_contexts_path);
                r = o->file_contexts_path ? fc_matcher_open(&o->file_contexts,
                                                            file_contexts_path, err)
                                          : -ENOMEM;
                if (r < 0) {
                        label_backend_free(&o->base);
                        if (r == -ENOENT || (err && err->errnum == ENOENT))
                                return planet_error_set(err, ENOENT,
                                                        "cannot read file contexts %s: %s",
                                                        file_contexts_path,
                                                        "no such file (--file-contexts FILE)");
                        return r;
                }
        }
        *ret = &o->base;
        return 0;
}

struct policydb *label_backend_get_policydb(struct label_backend *b)
{
        if (!b || b->kind != LABEL_BACKEND_OFFLINE)
                return NULL;
        return &to_offline(b)->policydb;
}

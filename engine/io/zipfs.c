#include "zipfs.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "../core/error.h"
#include "../core/tensor.h"

/* ---- string lists ---- */

void em_strlist_free(em_strlist *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

int em_strlist_push(em_strlist *l, const char *s, size_t len) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **items = realloc(l->items, cap * sizeof *items);
        if (!items) return em_fail("fs: out of memory");
        l->items = items;
        l->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return em_fail("fs: out of memory");
    memcpy(copy, s, len);
    copy[len] = '\0';
    l->items[l->n++] = copy;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ---- the archive cache ---- */

typedef struct {
    char *name;          /* member name without a trailing '/' */
    zip_uint64_t index;  /* libzip index */
    int is_dir;
} member;

typedef struct {
    char *path;
    struct stat st;  /* identity of the file when opened: reopen on change */
    void *map;       /* the whole archive, mapped: libzip reads it from memory */
    size_t map_len;
    zip_t *za;
    member *members;  /* sorted by name */
    size_t n;
} archive;

#define CACHE_SLOTS 4
static archive cache[CACHE_SLOTS];
static unsigned cache_clock;  /* round-robin eviction */

static void archive_close(archive *a) {
    if (a->za) zip_discard(a->za);
    if (a->map) munmap(a->map, a->map_len);
    for (size_t i = 0; i < a->n; i++) free(a->members[i].name);
    free(a->members);
    free(a->path);
    memset(a, 0, sizeof *a);
}

void em_fs_close_all(void) {
    for (int i = 0; i < CACHE_SLOTS; i++) archive_close(&cache[i]);
}

static int cmp_member(const void *a, const void *b) {
    return strcmp(((const member *)a)->name, ((const member *)b)->name);
}

/* Read the central directory once into a sorted name index. */
static int archive_index(archive *a) {
    zip_int64_t count = zip_get_num_entries(a->za, 0);
    a->members = calloc(count > 0 ? (size_t)count : 1, sizeof *a->members);
    if (!a->members) return em_fail("fs: out of memory indexing '%s'", a->path);
    for (zip_int64_t i = 0; i < count; i++) {
        const char *name = zip_get_name(a->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name || !name[0] || name[0] == '/') continue;
        size_t len = strlen(name);
        int is_dir = name[len - 1] == '/';
        member *m = &a->members[a->n];
        m->name = strndup(name, is_dir ? len - 1 : len);
        if (!m->name) return em_fail("fs: out of memory indexing '%s'", a->path);
        m->index = (zip_uint64_t)i;
        m->is_dir = is_dir;
        a->n++;
    }
    qsort(a->members, a->n, sizeof *a->members, cmp_member);
    return 0;
}

/* Map the file and open it through a buffer source: libzip on a file
 * source stats the file once per entry (50,000 syscalls for aclImdb.zip). */
static int archive_map(archive *a, const char *path, const struct stat *st) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return em_fail("fs: cannot open zip archive '%s': %s", path, strerror(errno));
    a->map_len = (size_t)st->st_size;
    a->map = a->map_len ? mmap(NULL, a->map_len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (a->map == MAP_FAILED) {
        a->map = NULL;
        return em_fail("fs: cannot map zip archive '%s': %s", path, strerror(errno));
    }
    return 0;
}

static int archive_open(archive *a, const char *path, const struct stat *st) {
    /* libzip converts every entry's DOS time with mktime(); with TZ unset,
     * glibc re-stats /etc/localtime on each call (50,000 times for
     * aclImdb.zip).  Naming the same zone explicitly lets glibc cache it. */
    if (!getenv("TZ")) setenv("TZ", ":/etc/localtime", 0);
    if (archive_map(a, path, st)) return -1;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(a->map, a->map_len, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!za) {
        em_fail("fs: cannot open zip archive '%s': %s", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        if (src) zip_source_free(src);
        if (a->map) munmap(a->map, a->map_len);
        a->map = NULL;
        return -1;
    }
    zip_error_fini(&ze);
    a->za = za;
    a->st = *st;
    a->path = strdup(path);
    if (!a->path || archive_index(a)) {
        archive_close(a);
        return a->path ? -1 : em_fail("fs: out of memory");
    }
    return 0;
}

static int same_file(const struct stat *a, const struct stat *b) {
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static archive *archive_get(const char *path, const struct stat *st) {
    for (int i = 0; i < CACHE_SLOTS; i++) {
        archive *a = &cache[i];
        if (!a->path || strcmp(a->path, path) != 0) continue;
        if (same_file(&a->st, st)) return a;
        archive_close(a);  /* the file changed under us */
    }
    archive *slot = NULL;
    for (int i = 0; i < CACHE_SLOTS && !slot; i++)
        if (!cache[i].path) slot = &cache[i];
    if (!slot) {
        slot = &cache[cache_clock++ % CACHE_SLOTS];
        archive_close(slot);
    }
    return archive_open(slot, path, st) ? NULL : slot;
}

/* First member whose name is >= key. */
static size_t lower_bound(const archive *a, const char *key) {
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(a->members[mid].name, key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static const member *find_member(const archive *a, const char *name) {
    size_t i = lower_bound(a, name);
    return i < a->n && strcmp(a->members[i].name, name) == 0 ? &a->members[i] : NULL;
}

/* Folders need not have their own entries: "a/b" implies the folder "a". */
static int member_is_dir(const archive *a, const char *inner) {
    if (!inner[0]) return 1;
    const member *m = find_member(a, inner);
    if (m) return m->is_dir;
    size_t len = strlen(inner);
    char key[len + 2];
    memcpy(key, inner, len);
    key[len] = '/';
    key[len + 1] = '\0';
    size_t i = lower_bound(a, key);
    return i < a->n && strncmp(a->members[i].name, key, len + 1) == 0;
}

/* ---- splitting a path at its archive ---- */

typedef struct {
    char *archive;      /* NULL when the path is a plain path */
    const char *inner;  /* member path inside the archive ("" = its root) */
    struct stat st;     /* of the archive */
    char buf[];         /* storage for archive + inner */
} split_path;

static int ends_with_zip(const char *s, size_t len) {
    return len >= 4 && (strncmp(s + len - 4, ".zip", 4) == 0 || strncmp(s + len - 4, ".ZIP", 4) == 0);
}

/* Find the first component ending in .zip that is a regular file.  A path
 * that is itself an archive is split too (inner ""), so listdir can open it. */
static split_path *split(const char *path) {
    size_t len = strlen(path);
    split_path *sp = calloc(1, sizeof *sp + len + 1);
    if (!sp) return NULL;
    memcpy(sp->buf, path, len + 1);
    for (size_t end = 1; end <= len; end++) {
        if (end < len && path[end] != '/') continue;
        if (!ends_with_zip(path, end)) continue;
        sp->buf[end] = '\0';
        if (stat(sp->buf, &sp->st) == 0 && S_ISREG(sp->st.st_mode)) {
            sp->archive = sp->buf;
            const char *rest = path + end;
            while (*rest == '/') rest++;
            sp->inner = sp->buf + (rest - path);
            /* drop trailing slashes of the member path */
            char *inner = (char *)sp->inner;
            size_t n = strlen(inner);
            while (n && inner[n - 1] == '/') inner[--n] = '\0';
            return sp;
        }
        sp->buf[end] = end < len ? '/' : '\0';
    }
    return sp;
}

/* ---- public operations ---- */

int em_fs_kind_of(const char *path, em_fs_kind *kind) {
    *kind = EM_FS_NONE;
    split_path *sp = split(path);
    if (!sp) return em_fail("fs: out of memory");
    int rc = 0;
    if (!sp->archive || !sp->inner[0]) {
        struct stat st;
        if (stat(path, &st) == 0) *kind = S_ISDIR(st.st_mode) ? EM_FS_DIR : EM_FS_FILE;
    } else {
        archive *a = archive_get(sp->archive, &sp->st);
        if (!a) rc = -1;
        else if (member_is_dir(a, sp->inner)) *kind = EM_FS_DIR;
        else if (find_member(a, sp->inner)) *kind = EM_FS_FILE;
    }
    free(sp);
    return rc;
}

static int listdir_plain(const char *path, em_strlist *out) {
    DIR *d = opendir(path);
    if (!d) return em_fail("fs.listdir: cannot open folder '%s': %s", path, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        rc = em_strlist_push(out, e->d_name, strlen(e->d_name));
    }
    closedir(d);
    return rc;
}

/* Children of inner: names under "inner/", cut at their next '/'.  The
 * index is sorted, so every name of one child is contiguous. */
static int listdir_archive(const archive *a, const char *inner, em_strlist *out) {
    if (!member_is_dir(a, inner))
        return em_fail("fs.listdir: '%s' is not a folder in the archive '%s'", inner, a->path);
    size_t plen = strlen(inner);
    char prefix[plen + 2];
    memcpy(prefix, inner, plen);
    if (plen) prefix[plen++] = '/';
    prefix[plen] = '\0';
    const char *last = NULL;
    size_t last_len = 0;
    for (size_t i = lower_bound(a, prefix); i < a->n; i++) {
        const char *name = a->members[i].name;
        if (strncmp(name, prefix, plen) != 0) break;
        const char *child = name + plen;
        size_t clen = strcspn(child, "/");
        if (clen == 0) continue;
        if (last && clen == last_len && strncmp(child, last, clen) == 0) continue;
        if (em_strlist_push(out, child, clen)) return -1;
        last = child;
        last_len = clen;
    }
    return 0;
}

int em_fs_listdir(const char *path, em_strlist *out) {
    split_path *sp = split(path);
    if (!sp) return em_fail("fs: out of memory");
    int rc;
    if (!sp->archive) {
        rc = listdir_plain(path, out);
    } else {
        archive *a = archive_get(sp->archive, &sp->st);
        rc = a ? listdir_archive(a, sp->inner, out) : -1;
    }
    free(sp);
    if (rc) em_strlist_free(out);
    else qsort(out->items, out->n, sizeof *out->items, cmp_str);
    return rc;
}

static int read_plain(const char *path, char **data, size_t *len) {
    struct stat st;
    if (stat(path, &st) != 0) return em_fail("fs.read: cannot open '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return em_fail("fs.read: '%s' is a folder, not a file", path);
    FILE *f = fopen(path, "rb");
    if (!f) return em_fail("fs.read: cannot open '%s': %s", path, strerror(errno));
    char what[4200];
    snprintf(what, sizeof what, "reading '%s' (%lld bytes)", path, (long long)st.st_size);
    if (em_check_memory("fs.read", what, (double)st.st_size)) {
        fclose(f);
        return -1;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size : 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *bigger = realloc(buf, cap * 2 + 1);  /* the file grew while we read */
        if (!bigger) { free(buf); buf = NULL; break; }
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf) return em_fail("fs.read: out of memory reading '%s'", path);
    if (failed) { free(buf); return em_fail("fs.read: error reading '%s'", path); }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

static int read_member(archive *a, const char *inner, char **data, size_t *len) {
    const member *m = find_member(a, inner);
    if (!m || m->is_dir) {
        if (member_is_dir(a, inner)) return em_fail("fs.read: '%s' in '%s' is a folder, not a file", inner, a->path);
        return em_fail("fs.read: no member '%s' in the archive '%s'", inner, a->path);
    }
    zip_stat_t zs;
    if (zip_stat_index(a->za, m->index, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE))
        return em_fail("fs.read: cannot stat '%s' in '%s': %s", inner, a->path, zip_strerror(a->za));
    char what[4200];
    snprintf(what, sizeof what, "reading '%s' in '%s' (%llu bytes)", inner, a->path, (unsigned long long)zs.size);
    if (em_check_memory("fs.read", what, (double)zs.size)) return -1;
    char *buf = malloc((size_t)zs.size + 1);
    if (!buf) return em_fail("fs.read: out of memory for '%s' (%llu bytes)", inner, (unsigned long long)zs.size);
    zip_file_t *zf = zip_fopen_index(a->za, m->index, 0);
    if (!zf) {
        free(buf);
        return em_fail("fs.read: cannot open '%s' in '%s': %s", inner, a->path, zip_strerror(a->za));
    }
    zip_int64_t got = 0, r = 0;
    while ((zip_uint64_t)got < zs.size && (r = zip_fread(zf, buf + got, zs.size - (zip_uint64_t)got)) > 0) got += r;
    int bad = r < 0 || (zip_uint64_t)got != zs.size;
    char msg[256];
    if (bad) snprintf(msg, sizeof msg, "%s", zip_file_strerror(zf));
    zip_fclose(zf);
    if (bad) {
        free(buf);
        return em_fail("fs.read: corrupt member '%s' in '%s': %s", inner, a->path, msg);
    }
    buf[got] = '\0';
    *data = buf;
    *len = (size_t)got;
    return 0;
}

int em_fs_read(const char *path, char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    split_path *sp = split(path);
    if (!sp) return em_fail("fs: out of memory");
    int rc;
    if (!sp->archive || !sp->inner[0]) {
        rc = read_plain(path, data, len);
    } else {
        archive *a = archive_get(sp->archive, &sp->st);
        rc = a ? read_member(a, sp->inner, data, len) : -1;
    }
    free(sp);
    return rc;
}

double em_fs_mtime(const char *path) {
    em_fs_kind kind;
    if (em_fs_kind_of(path, &kind) || kind == EM_FS_NONE) return -1;
    split_path *sp = split(path);
    if (!sp) return -1;
    struct stat st;
    int ok = sp->archive ? (st = sp->st, 1) : stat(path, &st) == 0;
    free(sp);
    return ok ? (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec * 1e-9 : -1;
}

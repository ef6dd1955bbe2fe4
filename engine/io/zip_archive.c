/* The cache of open zip archives behind zipfs.c: each archive is read into
 * memory, opened through libzip once, and indexed by sorted member name. */
#include "zip_archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/tensor.h"

#define CACHE_SLOTS 4
static em_zip_archive cache[CACHE_SLOTS];
static unsigned cache_clock;  /* round-robin eviction */

static void archive_close(em_zip_archive *a) {
    if (a->za) zip_discard(a->za);
    free(a->map);
    for (size_t i = 0; i < a->n; i++) free(a->members[i].name);
    free(a->members);
    free(a->path);
    memset(a, 0, sizeof *a);
}

void em_zip_close_all(void) {
    for (int i = 0; i < CACHE_SLOTS; i++) archive_close(&cache[i]);
}

static int cmp_member(const void *a, const void *b) {
    return strcmp(((const em_zip_member *)a)->name, ((const em_zip_member *)b)->name);
}

/* Read the central directory once into a sorted name index. */
static int archive_index(em_zip_archive *a) {
    zip_int64_t count = zip_get_num_entries(a->za, 0);
    a->members = calloc(count > 0 ? (size_t)count : 1, sizeof *a->members);
    if (!a->members) return em_fail("fs: out of memory indexing '%s'", a->path);
    for (zip_int64_t i = 0; i < count; i++) {
        const char *name = zip_get_name(a->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name || !name[0] || name[0] == '/') continue;
        size_t len = strlen(name);
        int is_dir = name[len - 1] == '/';
        em_zip_member *m = &a->members[a->n];
        m->name = strndup(name, is_dir ? len - 1 : len);
        if (!m->name) return em_fail("fs: out of memory indexing '%s'", a->path);
        m->index = (zip_uint64_t)i;
        m->is_dir = is_dir;
        a->n++;
    }
    qsort(a->members, a->n, sizeof *a->members, cmp_member);
    return 0;
}

/* Read the whole file and open it through a buffer source: libzip on a
 * file source stats the file once per entry (50,000 syscalls for
 * aclImdb.zip).  Read, not mapped: a mapping of a file that another program
 * rewrites or truncates kills the process with SIGBUS on the next access;
 * a private copy cannot change (the cache reopens the archive when the
 * file's size or time changes).  A file that shrinks while being read is an
 * error. */
static int archive_map(em_zip_archive *a, const char *path, const struct stat *st) {
    char what[4200];
    snprintf(what, sizeof what, "reading the zip archive '%s' (%lld bytes)", path, (long long)st->st_size);
    if (em_check_memory("fs", what, (double)st->st_size)) return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return em_fail("fs: cannot open zip archive '%s': %s", path, strerror(errno));
    size_t len = (size_t)st->st_size;
    char *buf = malloc(len ? len : 1);
    if (!buf) {
        close(fd);
        return em_fail("fs: out of memory reading '%s' (%zu bytes)", path, len);
    }
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int err = r < 0 ? errno : 0;
            close(fd);
            free(buf);
            return err ? em_fail("fs: cannot read zip archive '%s': %s", path, strerror(err))
                       : em_fail("fs: zip archive '%s' changed while being read (%zu of %zu bytes)", path, got, len);
        }
        got += (size_t)r;
    }
    close(fd);
    a->map = buf;
    a->map_len = len;
    return 0;
}

static int archive_open(em_zip_archive *a, const char *path, const struct stat *st) {
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
        free(a->map);
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

em_zip_archive *em_zip_get(const char *path, const struct stat *st) {
    for (int i = 0; i < CACHE_SLOTS; i++) {
        em_zip_archive *a = &cache[i];
        if (!a->path || strcmp(a->path, path) != 0) continue;
        if (same_file(&a->st, st)) return a;
        archive_close(a);  /* the file changed under us */
    }
    em_zip_archive *slot = NULL;
    for (int i = 0; i < CACHE_SLOTS && !slot; i++)
        if (!cache[i].path) slot = &cache[i];
    if (!slot) {
        slot = &cache[cache_clock++ % CACHE_SLOTS];
        archive_close(slot);
    }
    return archive_open(slot, path, st) ? NULL : slot;
}

/* First member whose name is >= key. */
size_t em_zip_lower_bound(const em_zip_archive *a, const char *key) {
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(a->members[mid].name, key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

const em_zip_member *em_zip_find(const em_zip_archive *a, const char *name) {
    size_t i = em_zip_lower_bound(a, name);
    return i < a->n && strcmp(a->members[i].name, name) == 0 ? &a->members[i] : NULL;
}

/* Folders need not have their own entries: "a/b" implies the folder "a". */
int em_zip_is_dir(const em_zip_archive *a, const char *inner) {
    if (!inner[0]) return 1;
    const em_zip_member *m = em_zip_find(a, inner);
    if (m) return m->is_dir;
    size_t len = strlen(inner);
    char key[len + 2];
    memcpy(key, inner, len);
    key[len] = '/';
    key[len + 1] = '\0';
    size_t i = em_zip_lower_bound(a, key);
    return i < a->n && strncmp(a->members[i].name, key, len + 1) == 0;
}

int em_zip_read(em_zip_archive *a, const char *inner, char **data, size_t *len) {
    const em_zip_member *m = em_zip_find(a, inner);
    if (!m || m->is_dir) {
        if (em_zip_is_dir(a, inner)) return em_fail("fs.read: '%s' in '%s' is a folder, not a file", inner, a->path);
        return em_fail("fs.read: no member '%s' in the archive '%s'", inner, a->path);
    }
    zip_stat_t zs;
    if (zip_stat_index(a->za, m->index, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE))
        return em_fail("fs.read: cannot stat '%s' in '%s': %s", inner, a->path, zip_strerror(a->za));
    /* A corrupt or hostile directory entry may claim any size: bound it by
     * what the compressed bytes can expand to (stored: as is; deflate: at
     * most 1032:1), the compressed size itself bounded by the archive's.
     * Other methods have no useful bound: their buffer grows as data comes. */
    int bounded = 0;
    if ((zs.valid & ZIP_STAT_COMP_SIZE) && (zs.valid & ZIP_STAT_COMP_METHOD)) {
        double comp = (double)zs.comp_size < (double)a->map_len ? (double)zs.comp_size : (double)a->map_len;
        double most = zs.comp_method == ZIP_CM_STORE ? comp : zs.comp_method == ZIP_CM_DEFLATE ? comp * 1032 + 1024 : -1;
        if (most >= 0 && (double)zs.size > most)
            return em_fail("fs.read: corrupt member '%s' in '%s': %llu bytes cannot come from %llu compressed bytes",
                           inner, a->path, (unsigned long long)zs.size, (unsigned long long)zs.comp_size);
        bounded = most >= 0;
    }
    char what[4200];
    snprintf(what, sizeof what, "reading '%s' in '%s' (%llu bytes)", inner, a->path, (unsigned long long)zs.size);
    if (em_check_memory("fs.read", what, (double)zs.size)) return -1;
    zip_file_t *zf = zip_fopen_index(a->za, m->index, 0);
    if (!zf) return em_fail("fs.read: cannot open '%s' in '%s': %s", inner, a->path, zip_strerror(a->za));
    zip_uint64_t cap = bounded || zs.size < (1u << 20) ? zs.size : (1u << 20);
    char *buf = malloc((size_t)cap + 1);
    if (!buf) {
        zip_fclose(zf);
        return em_fail("fs.read: out of memory for '%s' (%llu bytes)", inner, (unsigned long long)zs.size);
    }
    zip_int64_t got = 0, r = 0;
    while ((zip_uint64_t)got < zs.size) {
        if ((zip_uint64_t)got == cap) {  /* unbounded method: grow as data comes */
            cap = cap * 2 < zs.size ? cap * 2 : zs.size;
            char *bigger = realloc(buf, (size_t)cap + 1);
            if (!bigger) {
                free(buf);
                zip_fclose(zf);
                return em_fail("fs.read: out of memory for '%s' (%llu bytes)", inner, (unsigned long long)zs.size);
            }
            buf = bigger;
        }
        if ((r = zip_fread(zf, buf + got, cap - (zip_uint64_t)got)) <= 0) break;
        got += r;
    }
    /* libzip checks the CRC only when a read reaches the end of the data:
     * without this last read, a damaged member would come back silently. */
    char extra;
    if (r >= 0 && (zip_uint64_t)got == zs.size) r = zip_fread(zf, &extra, 1);
    int bad = r != 0 || (zip_uint64_t)got != zs.size;
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


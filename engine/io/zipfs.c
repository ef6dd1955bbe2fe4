#include "zipfs.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/error.h"
#include "../core/tensor.h"
#include "zip_archive.h"

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

/* ---- splitting a path at its archive ---- */

typedef struct {
    char *archive;      /* NULL when the path is a plain path */
    const char *inner;  /* member path inside the archive ("" = its root) */
    struct stat st;     /* of the em_zip_archive */
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
        em_zip_archive *a = em_zip_get(sp->archive, &sp->st);
        if (!a) rc = -1;
        else if (em_zip_is_dir(a, sp->inner)) *kind = EM_FS_DIR;
        else if (em_zip_find(a, sp->inner)) *kind = EM_FS_FILE;
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
static int listdir_archive(const em_zip_archive *a, const char *inner, em_strlist *out) {
    if (!em_zip_is_dir(a, inner))
        return em_fail("fs.listdir: '%s' is not a folder in the archive '%s'", inner, a->path);
    size_t plen = strlen(inner);
    char prefix[plen + 2];
    memcpy(prefix, inner, plen);
    if (plen) prefix[plen++] = '/';
    prefix[plen] = '\0';
    const char *last = NULL;
    size_t last_len = 0;
    for (size_t i = em_zip_lower_bound(a, prefix); i < a->n; i++) {
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
        em_zip_archive *a = em_zip_get(sp->archive, &sp->st);
        rc = a ? listdir_archive(a, sp->inner, out) : -1;
    }
    free(sp);
    if (rc) em_strlist_free(out);
    else if (out->n) qsort(out->items, out->n, sizeof *out->items, cmp_str);  /* qsort(NULL, 0) is UB */
    return rc;
}

#define FS_STREAM_MAX ((size_t)1 << 30)  /* bytes read from a device or pipe at most */

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
    /* A file that grows while we read, or a device or pipe whose size stat
     * cannot tell (/dev/zero never ends), grows the buffer: each growth is
     * checked against the machine's memory, and a stream of unknown size
     * stops at FS_STREAM_MAX. */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size : 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        if (!S_ISREG(st.st_mode) && cap >= FS_STREAM_MAX) {
            free(buf);
            fclose(f);
            return em_fail("fs.read: '%s' is not a regular file and gave more than %d MiB; read it in pieces "
                           "(io.open) instead", path, (int)(FS_STREAM_MAX >> 20));
        }
        snprintf(what, sizeof what, "reading '%s' (more than %zu bytes)", path, cap);
        if (em_check_memory("fs.read", what, (double)cap * 2)) {
            free(buf);
            fclose(f);
            return -1;
        }
        char *bigger = realloc(buf, cap * 2 + 1);
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

int em_fs_read(const char *path, char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    split_path *sp = split(path);
    if (!sp) return em_fail("fs: out of memory");
    int rc;
    if (!sp->archive || !sp->inner[0]) {
        rc = read_plain(path, data, len);
    } else {
        em_zip_archive *a = em_zip_get(sp->archive, &sp->st);
        rc = a ? em_zip_read(a, sp->inner, data, len) : -1;
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

void em_fs_close_all(void) { em_zip_close_all(); }

#define _GNU_SOURCE /* syncfs */
#include "extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"

/* A member name stays inside the destination: relative, and no component
 * is "..".  ("./x" and "a//b" are fine.) */
static int member_is_safe(const char *name) {
    if (name[0] == '\0' || name[0] == '/') return 0;
    const char *p = name;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') return 0;
        if (!end) break;
        p = end + 1;
    }
    return 1;
}

/* The first component of a safe member name, skipping "./" prefixes;
 * empty for "." itself. */
static size_t top_component(const char *name, const char **start) {
    while (name[0] == '.' && name[1] == '/') name += 2;
    while (name[0] == '/') name++;
    *start = name;
    const char *slash = strchr(name, '/');
    size_t len = slash ? (size_t)(slash - name) : strlen(name);
    if (len == 1 && name[0] == '.') return 0;
    return len;
}

static int add_top(em_strlist *tops, const char *s, size_t len) {
    for (size_t i = 0; i < tops->n; i++)
        if (strlen(tops->items[i]) == len && memcmp(tops->items[i], s, len) == 0) return 0;
    return em_strlist_push(tops, s, len);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir) { nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int copy_data(struct archive *in, struct archive *out, const char *op, const char *archive_path,
                     const char *member) {
    const void *buf;
    size_t size;
    la_int64_t offset;
    for (;;) {
        int r = archive_read_data_block(in, &buf, &size, &offset);
        if (r == ARCHIVE_EOF) return 0;
        if (r < ARCHIVE_OK)
            return em_fail("%s: '%s' is damaged (member '%s'): %s", op, archive_path, member, archive_error_string(in));
        if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_OK)
            return em_fail("%s: cannot write member '%s' of '%s': %s", op, member, archive_path,
                           archive_error_string(out));
    }
}

/* Every member of archive into tmp (an empty folder). */
static int unpack(const char *archive_path, const char *tmp, const char *op, em_stop_fn stop, void *ctx,
                  em_strlist *tops) {
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    if (!in || !out) {
        archive_read_free(in);
        archive_write_free(out);
        return em_fail("%s: out of memory opening '%s'", op, archive_path);
    }
    archive_read_support_filter_all(in);
    archive_read_support_format_all(in);
    /* libarchive's own guards as well as the checks below (members are
     * written under tmp's absolute, resolved path: no ".." nor symlink in
     * it, so these guards only ever see the member's own components). */
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                            ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    int rc = 0;
    if (archive_read_open_filename(in, archive_path, 1 << 16) != ARCHIVE_OK) {
        rc = em_fail("%s: cannot read '%s' as an archive: %s", op, archive_path, archive_error_string(in));
        goto done;
    }
    struct archive_entry *e;
    size_t members = 0;
    char dest[8192], name[4096];
    for (;;) {
        int r = archive_read_next_header(in, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            rc = em_fail("%s: '%s' is damaged or not an archive: %s", op, archive_path, archive_error_string(in));
            goto done;
        }
        /* A copy: the entry's own string changes with set_pathname below. */
        const char *raw = archive_entry_pathname(e);
        if (!raw || !member_is_safe(raw)) {
            rc = em_fail("%s: refusing '%s': member '%s' would be written outside the destination folder", op,
                         archive_path, raw ? raw : "(no name)");
            goto done;
        }
        if ((size_t)snprintf(name, sizeof name, "%s", raw) >= sizeof name) {
            rc = em_fail("%s: member name too long in '%s': '%s'", op, archive_path, raw);
            goto done;
        }
        mode_t type = archive_entry_filetype(e);
        if ((type != AE_IFREG && type != AE_IFDIR) || archive_entry_hardlink(e)) {
            rc = em_fail("%s: refusing '%s': member '%s' is a link or a special file (only files and folders are "
                         "extracted)", op, archive_path, name);
            goto done;
        }
        const char *top;
        size_t top_len = top_component(name, &top);
        if (top_len > 0 && add_top(tops, top, top_len)) {
            rc = em_fail("%s: out of memory", op);
            goto done;
        }
        if ((size_t)snprintf(dest, sizeof dest, "%s/%s", tmp, name) >= sizeof dest) {
            rc = em_fail("%s: member name too long in '%s': '%s'", op, archive_path, name);
            goto done;
        }
        archive_entry_set_pathname(e, dest);
        if (archive_write_header(out, e) < ARCHIVE_OK) {
            rc = em_fail("%s: cannot write member '%s' of '%s': %s", op, name, archive_path, archive_error_string(out));
            goto done;
        }
        if (type == AE_IFREG && copy_data(in, out, op, archive_path, name)) {
            rc = -1;
            goto done;
        }
        if (archive_write_finish_entry(out) < ARCHIVE_OK) {
            rc = em_fail("%s: cannot write member '%s' of '%s': %s", op, name, archive_path, archive_error_string(out));
            goto done;
        }
        if ((++members & 255) == 0 && stop && stop(ctx)) {
            rc = em_fail("%s: interrupted while extracting '%s'", op, archive_path);
            goto done;
        }
    }
    if (members == 0) rc = em_fail("%s: '%s' holds no members", op, archive_path);
done:
    if (archive_write_close(out) != ARCHIVE_OK && rc == 0)
        rc = em_fail("%s: cannot finish extracting '%s': %s", op, archive_path, archive_error_string(out));
    archive_write_free(out);
    archive_read_free(in);
    return rc;
}

/* Everything written under dir reaches the disk (one syncfs instead of an
 * fsync per member: the IMDB archive has 100,000 of them). */
static int sync_tree(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = syncfs(fd);
    close(fd);
    return r;
}

static int move_tops(const char *tmp, const char *dest_dir, const char *op, const em_strlist *tops) {
    char from[8192], to[8192];
    for (size_t i = 0; i < tops->n; i++) {
        snprintf(to, sizeof to, "%s/%s", dest_dir, tops->items[i]);
        struct stat st;
        if (lstat(to, &st) == 0)
            return em_fail("%s: cannot extract into '%s': '%s' already exists (remove it to extract again)", op,
                           dest_dir, to);
    }
    for (size_t i = 0; i < tops->n; i++) {
        snprintf(from, sizeof from, "%s/%s", tmp, tops->items[i]);
        snprintf(to, sizeof to, "%s/%s", dest_dir, tops->items[i]);
        if (rename(from, to) != 0) {
            int e = errno;
            for (size_t k = 0; k < i; k++) {  /* undo: nothing half-applied */
                snprintf(from, sizeof from, "%s/%s", tmp, tops->items[k]);
                snprintf(to, sizeof to, "%s/%s", dest_dir, tops->items[k]);
                rename(to, from);
            }
            return em_fail("%s: cannot move '%s' into '%s': %s", op, tops->items[i], dest_dir, strerror(e));
        }
    }
    return 0;
}

int em_extract_archive(const char *archive, const char *dest_dir, const char *op, em_stop_fn stop, void *ctx,
                       em_strlist *tops) {
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.extract-XXXXXX", dest_dir) >= sizeof tmp)
        return em_fail("%s: path too long: '%s'", op, dest_dir);
    if (!mkdtemp(tmp)) return em_fail("%s: cannot create a temporary folder in '%s': %s", op, dest_dir, strerror(errno));
    char *resolved = realpath(tmp, NULL);
    if (!resolved) {
        int e = errno;
        remove_tree(tmp);
        return em_fail("%s: cannot resolve '%s': %s", op, tmp, strerror(e));
    }
    int rc = unpack(archive, resolved, op, stop, ctx, tops);
    free(resolved);
    if (rc == 0 && sync_tree(tmp) != 0) rc = em_fail("%s: cannot sync '%s': %s", op, tmp, strerror(errno));
    if (rc == 0) rc = move_tops(tmp, dest_dir, op, tops);
    remove_tree(tmp);
    if (rc != 0) em_strlist_free(tops);
    return rc;
}

#include "file_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/tensor.h"

int em_read_prefix(const char *path, const char *op, unsigned char *buf, size_t n, size_t *got) {
    FILE *f = fopen(path, "rb");
    if (!f) return em_fail("%s: cannot open '%s': %s", op, path, strerror(errno));
    *got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) return em_fail("%s: cannot read '%s'", op, path);
    return 0;
}

int em_read_file(const char *path, const char *op, unsigned char **bytes, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return em_fail("%s: cannot open '%s': %s", op, path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return em_fail("%s: '%s' is not a regular file", op, path);
    }
    size_t n = (size_t)st.st_size;
    char what[4200];
    snprintf(what, sizeof what, "reading '%s' (%zu bytes)", path, n);
    if (em_check_memory(op, what, (double)n)) {
        fclose(f);
        return -1;
    }
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return em_fail("%s: out of memory reading '%s' (%zu bytes)", op, path, n);
    }
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(buf);
        return em_fail("%s: cannot read '%s'", op, path);
    }
    *bytes = buf;
    *size = n;
    return 0;
}

/* Where a write to path really lands: the file a symlink points to (so
 * replacing it keeps the link, as a plain fopen would), else path. */
static const char *write_target(const char *path, char *buf, size_t n) {
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) return path;
    char *real = realpath(path, NULL);
    if (!real) return path;  /* a dangling link: the rename replaces the link itself */
    int fits = (size_t)snprintf(buf, n, "%s", real) < n;
    free(real);
    return fits ? buf : path;
}

int em_temp_path_for(const char *path, const char *op, char *tmp, size_t n) {
    char resolved[4096];
    const char *target = write_target(path, resolved, sizeof resolved);
    if ((size_t)snprintf(tmp, n, "%s.tmp-XXXXXX", target) >= n) return em_fail("%s: path too long: '%s'", op, path);
    int fd = mkstemp(tmp);
    if (fd < 0) return em_fail("%s: cannot create a temporary file next to '%s': %s", op, path, strerror(errno));
    /* mkstemp made the file 0600: give it the mode of the file it replaces
     * (a 0600 weights file stays private), else what a plain fopen would. */
    struct stat st;
    if (stat(target, &st) == 0 && S_ISREG(st.st_mode)) {
        fchmod(fd, st.st_mode & 07777);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    close(fd);
    return 0;
}

/* After a rename, the directory entry is durable only once the directory
 * itself is synced (as SQLite does for its journal). */
static void sync_parent_dir(const char *path) {
    char dir[4096];
    if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir) return;
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    fsync(fd);
    close(fd);
}

int em_commit_temp(const char *tmp, const char *path, const char *op) {
    /* The data first (a writer such as libzip closes without syncing),
     * then the name, then the name's folder. */
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        remove(tmp);
        return em_fail("%s: cannot write '%s': %s", op, path, strerror(e));
    }
    close(fd);
    char resolved[4096];
    const char *target = write_target(path, resolved, sizeof resolved);
    if (rename(tmp, target) != 0) {
        int e = errno;
        remove(tmp);
        return em_fail("%s: cannot write '%s': %s", op, path, strerror(e));
    }
    sync_parent_dir(target);
    return 0;
}

int em_write_file_atomic(const char *path, const char *op, const void *bytes, size_t size) {
    char tmp[4096];
    if (em_temp_path_for(path, op, tmp, sizeof tmp)) return -1;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        remove(tmp);
        return em_fail("%s: cannot write '%s': %s", op, path, strerror(errno));
    }
    int ok = fwrite(bytes, 1, size, f) == size && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    if (fclose(f) != 0) ok = 0;
    if (!ok) {
        remove(tmp);
        return em_fail("%s: cannot write '%s': %s", op, path, strerror(e));
    }
    return em_commit_temp(tmp, path, op);
}

int em_mkdirs(const char *path, const char *op) {
    char buf[4096];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) return em_fail("%s: path too long: '%s'", op, path);
    for (char *p = buf + 1; ; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        if (stat(buf, &st) != 0) {
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return em_fail("%s: cannot create the folder '%s': %s", op, buf, strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            return em_fail("%s: cannot create the folder '%s': '%s' is not a folder", op, path, buf);
        }
        *p = c;
        if (c == '\0') break;
    }
    return 0;
}

/* Files and folders where a path may go inside a zip archive.
 *
 * "datasets/aclImdb.zip/aclImdb/train/pos" names the folder aclImdb/train/pos
 * inside the archive datasets/aclImdb.zip.  The first path component that
 * ends in ".zip" and is a regular file is the archive; the rest is the member
 * path.  Members are read through libzip, never extracted.  Open archives are
 * cached (with a sorted name index) and reopened when the file changes, so
 * listing 25,000 members and reading them one by one stays fast.
 * Zips nested inside zips are not supported. */
#ifndef EMBER_ZIPFS_H
#define EMBER_ZIPFS_H

#include <stddef.h>

typedef enum { EM_FS_NONE = 0, EM_FS_FILE = 1, EM_FS_DIR = 2 } em_fs_kind;

/* A list of names, each malloc'd. */
typedef struct {
    char **items;
    size_t n, cap;
} em_strlist;

void em_strlist_free(em_strlist *l);
/* Append a copy of s[0 .. len). */
int em_strlist_push(em_strlist *l, const char *s, size_t len);

/* What path names: a file, a folder or nothing.  An archive itself is a
 * file (read gives its bytes) that listdir also accepts as a folder.
 * Returns -1 only for an unreadable archive (a corrupt zip), error set. */
int em_fs_kind_of(const char *path, em_fs_kind *kind);

/* The names in a folder or an archive folder, sorted bytewise, without "."
 * and "..".  *out must be zeroed; on failure it is left empty. */
int em_fs_listdir(const char *path, em_strlist *out);

/* The whole content of a file or a member: *data is malloc'd, NUL-terminated
 * (the NUL is not counted in *len).  On failure *data is NULL. */
int em_fs_read(const char *path, char **data, size_t *len);

/* Modification time (seconds since the epoch) of a file, or of the archive
 * holding a member; -1 when the path does not exist. */
double em_fs_mtime(const char *path);

/* Close every cached archive (for tests and clean exits). */
void em_fs_close_all(void);

#endif

/* Open zip archives, cached and indexed (used by zipfs.c only).  An
 * archive is read into memory and opened through a libzip buffer source;
 * its member names are kept sorted so a folder's children are contiguous.
 * Folders need no entries of their own ("a/b" implies the folder "a"). */
#ifndef EMBER_ZIP_ARCHIVE_H
#define EMBER_ZIP_ARCHIVE_H

#include <stddef.h>
#include <sys/stat.h>
#include <zip.h>

typedef struct {
    char *name;          /* member name without a trailing '/' */
    zip_uint64_t index;  /* libzip index */
    int is_dir;
} em_zip_member;

typedef struct {
    char *path;
    struct stat st;  /* identity of the file when opened: reopen on change */
    void *map;       /* the whole archive, read into memory (a private copy: a file rewritten
                        or truncated underneath cannot fault it); libzip reads it from here */
    size_t map_len;
    zip_t *za;
    em_zip_member *members;  /* sorted by name */
    size_t n;
} em_zip_archive;

/* The cached archive at path (st: its current stat, to notice a changed
 * file), opening it when needed; NULL with the error set on failure. */
em_zip_archive *em_zip_get(const char *path, const struct stat *st);

/* First member whose name is >= key. */
size_t em_zip_lower_bound(const em_zip_archive *a, const char *key);
const em_zip_member *em_zip_find(const em_zip_archive *a, const char *name);
int em_zip_is_dir(const em_zip_archive *a, const char *inner);

/* The whole member inner (malloc'd, NUL-terminated) into *data / *len. */
int em_zip_read(em_zip_archive *a, const char *inner, char **data, size_t *len);

/* Close every cached archive. */
void em_zip_close_all(void);

#endif

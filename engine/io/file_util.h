/* Small file helpers for the I/O formats: read a whole file into memory
 * and write a file atomically and durably (a temp file beside the target,
 * fsync, rename, fsync of the directory), so a crash never leaves a torn
 * file under the final name and a returned save is on disk.  A symlink is
 * followed (the file it names is replaced, the link stays) and a replaced
 * file keeps its permissions. */
#ifndef EMBER_IO_FILE_UTIL_H
#define EMBER_IO_FILE_UTIL_H

#include <stddef.h>

/* Read path into a malloc'd buffer.  Messages: "<op>: cannot open '<path>': <reason>". */
int em_read_file(const char *path, const char *op, unsigned char **bytes, size_t *size);

/* Create a fresh temp file next to path; its name goes into tmp (size n). */
int em_temp_path_for(const char *path, const char *op, char *tmp, size_t n);

/* Write bytes to path atomically. */
int em_write_file_atomic(const char *path, const char *op, const void *bytes, size_t size);

/* Move tmp over path (rename); on failure removes tmp. */
int em_commit_temp(const char *tmp, const char *path, const char *op);

/* The first n bytes of path into buf; *got says how many there were. */
int em_read_prefix(const char *path, const char *op, unsigned char *buf, size_t n, size_t *got);


/* mkdir -p: path and its missing parents (mode 0777 less the umask).
 * Messages: "<op>: cannot create the folder '<path>': <reason>". */
int em_mkdirs(const char *path, const char *op);

#endif

/* Unpacking an archive (.tar.gz, .tar, .zip, ... : whatever libarchive
 * reads) into a folder, all or nothing: members go into a fresh temp folder
 * beside the destination, are synced, and only then are the archive's
 * top-level entries renamed into the destination.  Members that would land
 * outside it (an absolute path, a ".." component) and links are refused
 * before anything is written. */
#ifndef EMBER_IO_EXTRACT_H
#define EMBER_IO_EXTRACT_H

#include "sha256.h"  /* em_stop_fn */
#include "zipfs.h"   /* em_strlist */

/* Extract archive into dest_dir (which must exist).  tops receives the
 * archive's top-level names (e.g. "aclImdb").  A top-level name that
 * already exists in dest_dir is an error (nothing is replaced).  On
 * failure nothing new is left in dest_dir.  stop may be NULL. */
int em_extract_archive(const char *archive, const char *dest_dir, const char *op, em_stop_fn stop, void *ctx,
                       em_strlist *tops);

#endif

/* Downloading one URL into a partial file with libcurl, resuming what an
 * earlier, broken transfer left there (an HTTP Range request).  The caller
 * owns the names: it checks the result (checksum, content) and renames the
 * partial file into place (file_util.h's em_commit_temp).  Nothing here
 * prints; progress and interrupts go through the callback. */
#ifndef EMBER_IO_DOWNLOAD_H
#define EMBER_IO_DOWNLOAD_H

#include <stdint.h>

typedef struct {
    /* Called now and then during the transfer with the bytes the partial
     * file holds and the expected total (-1 when the server does not say);
     * a non-zero return stops the transfer (the partial file is kept). */
    int (*progress)(void *ctx, int64_t have, int64_t total);
    void *ctx;
    long connect_timeout;  /* seconds to connect (0: 30) */
    long stall_timeout;    /* seconds without a byte before giving up (0: 60) */
} em_download_opts;

typedef struct {
    long http_status;         /* the last response's status (0 for file://) */
    int64_t size;             /* bytes in the partial file afterwards */
    int64_t resumed_from;     /* bytes kept from an earlier attempt (0: fresh) */
    int stopped;              /* the progress callback asked to stop */
    char content_type[128];   /* the response's Content-Type, "" if none */
} em_download_info;

/* Fetch url (http, https or file) into part_path, appending to what it
 * holds.  On failure the message names the URL and what failed
 * ("<op>: cannot download <url>: HTTP 404 Not Found", "...: Couldn't connect
 * to server"), and part_path keeps what arrived, for the next attempt. */
int em_download(const char *url, const char *part_path, const char *op, const em_download_opts *opts,
                em_download_info *info);

#endif

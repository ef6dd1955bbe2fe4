/* SHA-256 of bytes and of files, through OpenSSL's libcrypto (EVP), so the
 * digest is a reviewed implementation's, not a hand-rolled one.  Digests are
 * given as 64 lowercase hex digits plus a NUL. */
#ifndef EMBER_IO_SHA256_H
#define EMBER_IO_SHA256_H

#include <stddef.h>

#define EM_SHA256_HEX 65

/* Called between blocks of a long hash; a non-zero return stops it (the
 * call then fails with "<op>: interrupted while hashing '<path>'"). */
typedef int (*em_stop_fn)(void *ctx);

int em_sha256_bytes(const void *bytes, size_t n, const char *op, char hex[EM_SHA256_HEX]);

/* stop may be NULL.  Messages: "<op>: cannot open '<path>': <reason>". */
int em_sha256_file(const char *path, const char *op, em_stop_fn stop, void *ctx, char hex[EM_SHA256_HEX]);

#endif

#include "sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "../core/error.h"

static void to_hex(const unsigned char *md, char hex[EM_SHA256_HEX]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

int em_sha256_bytes(const void *bytes, size_t n, const char *op, char hex[EM_SHA256_HEX]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(bytes, n, md, &len, EVP_sha256(), NULL) || len != 32)
        return em_fail("%s: SHA-256 failed (libcrypto)", op);
    to_hex(md, hex);
    return 0;
}

/* Blocks of 1 MiB: the stop check runs about every millisecond. */
#define BLOCK (1 << 20)

int em_sha256_file(const char *path, const char *op, em_stop_fn stop, void *ctx, char hex[EM_SHA256_HEX]) {
    FILE *f = fopen(path, "rb");
    if (!f) return em_fail("%s: cannot open '%s': %s", op, path, strerror(errno));
    EVP_MD_CTX *md_ctx = EVP_MD_CTX_new();
    unsigned char *block = md_ctx ? OPENSSL_malloc(BLOCK) : NULL;
    int rc = -1;
    if (!md_ctx || !block || !EVP_DigestInit_ex(md_ctx, EVP_sha256(), NULL)) {
        em_fail("%s: SHA-256 failed (libcrypto: out of memory?)", op);
        goto done;
    }
    size_t got;
    while ((got = fread(block, 1, BLOCK, f)) > 0) {
        if (!EVP_DigestUpdate(md_ctx, block, got)) {
            em_fail("%s: SHA-256 failed (libcrypto)", op);
            goto done;
        }
        if (stop && stop(ctx)) {
            em_fail("%s: interrupted while hashing '%s'", op, path);
            goto done;
        }
    }
    if (ferror(f)) {
        em_fail("%s: cannot read '%s'", op, path);
        goto done;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_DigestFinal_ex(md_ctx, md, &len) || len != 32) {
        em_fail("%s: SHA-256 failed (libcrypto)", op);
        goto done;
    }
    to_hex(md, hex);
    rc = 0;
done:
    OPENSSL_free(block);
    EVP_MD_CTX_free(md_ctx);
    fclose(f);
    return rc;
}

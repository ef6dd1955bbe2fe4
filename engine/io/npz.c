#include "npz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "../core/error.h"
#include "file_util.h"
#include "npy.h"

/* Members larger than this are refused before any allocation (a corrupt or
 * hostile size field must not become a huge malloc). */
#define MAX_MEMBER_BYTES ((zip_uint64_t)1 << 36)

int em_is_zip_prefix(const unsigned char *b, size_t n) {
    return n >= 4 && b[0] == 'P' && b[1] == 'K' && ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6));
}

static int zip_fail(const char *op, const char *path, int code) {
    /* libzip's words for this one ("File already exists") read as if the
     * file system had refused something. */
    if (code == ZIP_ER_EXISTS)
        return em_fail("%s: %s: not a readable .npz archive (two members have the same name)", op, path);
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    em_fail("%s: %s: not a readable .npz archive (%s)", op, path, zip_error_strerror(&e));
    zip_error_fini(&e);
    return -1;
}

void em_npz_free(em_npz_entry *entries, int n) {
    for (int i = 0; i < n; i++) {
        free(entries[i].name);
        em_tensor_release(&entries[i].tensor);
    }
    free(entries);
}

/* Read member i fully into a malloc'd buffer. */
static int read_member(zip_t *za, zip_uint64_t i, const char *op, const char *what, unsigned char **buf, size_t *size) {
    zip_stat_t st;
    if (zip_stat_index(za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return em_fail("%s: %s: cannot read the member's size (%s)", op, what, zip_strerror(za));
    if (st.size > MAX_MEMBER_BYTES) return em_fail("%s: %s: member too large (%llu bytes)", op, what, (unsigned long long)st.size);
    /* Stored members are as long as their compressed size, deflated ones at
     * most 1032 times it: a larger claim is a corrupt entry, refused before
     * the allocation. */
    if ((st.valid & ZIP_STAT_COMP_SIZE) && (st.valid & ZIP_STAT_COMP_METHOD) &&
        ((st.comp_method == ZIP_CM_STORE && st.size > st.comp_size) ||
         (st.comp_method == ZIP_CM_DEFLATE && (double)st.size > (double)st.comp_size * 1032 + 1024)))
        return em_fail("%s: %s: corrupt member (%llu bytes cannot come from %llu compressed bytes)", op, what,
                       (unsigned long long)st.size, (unsigned long long)st.comp_size);
    zip_file_t *f = zip_fopen_index(za, i, 0);
    if (!f) return em_fail("%s: %s: cannot open the member (%s)", op, what, zip_strerror(za));
    /* The .npy header first: the member's size must be what its declared
     * shape needs, and fit in memory, before anything is inflated (a small
     * hostile archive can claim a huge member). */
    unsigned char head[65536 + 12];
    zip_uint64_t want = st.size < sizeof head ? st.size : sizeof head;
    zip_int64_t hgot = zip_fread(f, head, want);
    uint64_t total = 0;
    char memwhat[1200];
    snprintf(memwhat, sizeof memwhat, "%s (%llu bytes)", what, (unsigned long long)st.size);
    if (hgot < 0 || (zip_uint64_t)hgot != want || em_npy_image_size(head, (size_t)hgot, op, what, &total) ||
        (total != st.size && em_fail("%s: %s: the member holds %llu bytes but its header's shape needs %llu (corrupt)",
                                     op, what, (unsigned long long)st.size, (unsigned long long)total)) ||
        em_check_memory(op, memwhat, (double)st.size)) {
        if (hgot < 0 || (zip_uint64_t)hgot != want)
            em_fail("%s: %s: truncated or corrupt member (%s)", op, what, zip_file_strerror(f));
        zip_fclose(f);
        return -1;
    }
    unsigned char *b = malloc(st.size ? st.size : 1);
    if (!b) {
        zip_fclose(f);
        return em_fail("%s: %s: out of memory", op, what);
    }
    memcpy(b, head, (size_t)hgot);
    zip_int64_t got = st.size > (zip_uint64_t)hgot ? zip_fread(f, b + hgot, st.size - (zip_uint64_t)hgot) : 0;
    if (got >= 0) got += hgot;
    int rc = got < 0 || (zip_uint64_t)got != st.size ? em_fail("%s: %s: truncated or corrupt member (%s)", op, what, zip_file_strerror(f)) : 0;
    /* libzip checks a member's CRC-32 only when a read reaches the end of
     * its data: without this last read one flipped byte loads silently. */
    unsigned char extra;
    if (!rc && zip_fread(f, &extra, 1) != 0)
        rc = em_fail("%s: %s: damaged member, its CRC-32 checksum does not match (%s)", op, what, zip_file_strerror(f));
    zip_fclose(f);
    if (rc) { free(b); return -1; }
    *buf = b;
    *size = st.size;
    return 0;
}

/* Decode member i into e (name without ".npy"). */
static int load_member(zip_t *za, zip_uint64_t i, const char *path, const char *op, em_npz_entry *e) {
    const char *name = zip_get_name(za, i, 0);
    if (!name) return em_fail("%s: %s: unreadable member name (%s)", op, path, zip_strerror(za));
    size_t len = strlen(name);
    char what[1024];
    snprintf(what, sizeof what, "%s member '%s'", path, name);
    if (len <= 4 || strcmp(name + len - 4, ".npy") != 0)
        return em_fail("%s: %s: not a .npy member (npz members are named '<key>.npy')", op, what);
    unsigned char *b = NULL;
    size_t n = 0;
    if (read_member(za, i, op, what, &b, &n)) return -1;
    int rc = em_npy_decode(&e->tensor, b, n, op, what);
    free(b);
    if (rc) return -1;
    e->name = malloc(len - 3);
    if (!e->name) { em_tensor_release(&e->tensor); return em_fail("%s: out of memory", op); }
    memcpy(e->name, name, len - 4);
    e->name[len - 4] = '\0';
    return 0;
}

int em_npz_load(const char *path, const char *op, em_npz_entry **entries, int *n) {
    unsigned char head[4];
    size_t got;
    if (em_read_prefix(path, op, head, sizeof head, &got)) return -1;
    if (!em_is_zip_prefix(head, got)) return em_fail("%s: %s: not a .npz file (not a zip archive)", op, path);
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!za) return zip_fail(op, path, code);
    zip_int64_t count = zip_get_num_entries(za, 0);
    if (count < 0 || count > 1 << 20) {
        zip_discard(za);
        return em_fail("%s: %s: bad member count", op, path);
    }
    em_npz_entry *list = calloc((size_t)(count ? count : 1), sizeof *list);
    if (!list) { zip_discard(za); return em_fail("%s: out of memory", op); }
    for (zip_int64_t i = 0; i < count; i++) {
        if (load_member(za, (zip_uint64_t)i, path, op, &list[i]) == 0) continue;
        em_npz_free(list, (int)i);
        zip_discard(za);
        return -1;
    }
    zip_discard(za);  /* read-only: nothing to write back */
    *entries = list;
    *n = (int)count;
    return 0;
}

/* Add t as "<name>.npy", stored uncompressed. */
static int add_member(zip_t *za, const char *name, const em_tensor *t, const char *op, const char *path) {
    unsigned char *b;
    size_t size;
    if (em_npy_encode(t, &b, &size, op)) return -1;
    zip_source_t *src = zip_source_buffer(za, b, size, 1);  /* libzip frees b */
    if (!src) { free(b); return em_fail("%s: %s: %s", op, path, zip_strerror(za)); }
    char member[1024];
    if ((size_t)snprintf(member, sizeof member, "%s.npy", name) >= sizeof member) {
        zip_source_free(src);
        return em_fail("%s: name too long: '%s'", op, name);
    }
    zip_int64_t idx = zip_file_add(za, member, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return em_fail("%s: %s: cannot add '%s' (%s)", op, path, member, zip_strerror(za));
    }
    if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0)
        return em_fail("%s: %s: %s", op, path, zip_strerror(za));
    return 0;
}

int em_npz_save(const char *path, const char *op, const char *const *names, const em_tensor *const *tensors, int n) {
    if (n == 0) {
        /* libzip deletes an archive left empty; numpy writes the bare end
         * record of an empty zip, so do that. */
        static const unsigned char empty_zip[22] = {'P', 'K', 5, 6};
        return em_write_file_atomic(path, op, empty_zip, sizeof empty_zip);
    }
    char tmp[4096];
    if (em_temp_path_for(path, op, tmp, sizeof tmp)) return -1;
    int code = 0;
    zip_t *za = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!za) {
        remove(tmp);
        zip_error_t e;
        zip_error_init_with_code(&e, code);
        em_fail("%s: cannot write '%s' (%s)", op, path, zip_error_strerror(&e));
        zip_error_fini(&e);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (add_member(za, names[i], tensors[i], op, path) == 0) continue;
        zip_discard(za);
        remove(tmp);
        return -1;
    }
    if (zip_close(za) != 0) {
        em_fail("%s: cannot write '%s' (%s)", op, path, zip_strerror(za));
        zip_discard(za);
        remove(tmp);
        return -1;
    }
    return em_commit_temp(tmp, path, op);
}

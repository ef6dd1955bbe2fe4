/* libFuzzer harness: zip directory walking (engine/io/zipfs.c, behind
 * ember.fs).  The input is written as <scratch>/a.zip; the harness asks
 * what the archive is, walks every folder inside it (listdir, kind_of of
 * each name) to a bounded depth, and reads every member it finds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/io/zipfs.h"
#include "fuzz_file.h"

static int budget;  /* paths visited per input, so deep archives stay fast */

static void walk(const char *path, int depth) {
    if (depth > 6 || --budget < 0) return;
    em_fs_kind kind;
    if (em_fs_kind_of(path, &kind) != 0) return;
    if (kind == EM_FS_FILE) {
        char *bytes = NULL;
        size_t len = 0;
        if (em_fs_read(path, &bytes, &len) == 0) {
            if (!bytes || bytes[len] != '\0') abort();
            free(bytes);
        } else if (bytes) {
            abort();
        }
    }
    if (kind == EM_FS_NONE || (kind == EM_FS_FILE && depth > 0)) return;
    em_strlist names = {0};
    if (em_fs_listdir(path, &names) != 0) {
        if (names.items) abort();
        return;
    }
    for (size_t i = 0; i < names.n; i++) {
        size_t len = strlen(path) + strlen(names.items[i]) + 2;
        char *child = malloc(len);
        if (!child) abort();
        snprintf(child, len, "%s/%s", path, names.items[i]);
        walk(child, depth + 1);
        free(child);
    }
    em_strlist_free(&names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_scratch_path("a.zip");
    fuzz_write_file(path, data, size);
    budget = 200;
    walk(path, 0);
    (void)em_fs_mtime(path);
    /* The cache keys archives by inode and mtime: the next input rewrites
     * the same file within the same clock tick, so start afresh. */
    em_fs_close_all();
    unlink(path);
    return 0;
}

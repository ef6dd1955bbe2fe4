/* For harnesses whose parser reads a path (npz through libzip, the zip
 * file system): write the input to a per-process scratch file under
 * /dev/shm (tmpfs, falling back to /tmp) and return its path. */
#ifndef EMBER_FUZZ_FILE_H
#define EMBER_FUZZ_FILE_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fuzz_scratch_path(const char *name) {
    static char path[256];
    const char *root = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/ember-fuzz-%ld-%s", root, (long)getpid(), name);
    return path;
}

/* Write data to path; abort on I/O failure (the harness, not the engine). */
static void fuzz_write_file(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) abort();
}
#endif

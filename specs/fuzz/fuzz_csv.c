/* libFuzzer harness: the numeric CSV reader (engine/io/csv.c).  The first
 * byte picks the options (header or not, skipped columns, dtype,
 * delimiter); the rest is the text.  A successful parse must give a
 * {rows, fields} tensor. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/tensor.h"
#include "../../engine/io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    em_csv_options o;
    o.header = data[0] & 1;
    o.skip_columns = (data[0] >> 1) & 3;
    o.dtype = (data[0] & 8) ? EM_INT32 : EM_FLOAT32;
    o.delimiter = (data[0] & 16) ? ';' : ',';
    /* The text is not NUL-terminated: a copy without one catches reads past len. */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text) return 0;
    memcpy(text, data + 1, len);
    em_strlist header = {0};
    em_tensor out;
    memset(&out, 0, sizeof out);
    if (em_csv_parse(text, len, "fuzz.csv", &o, &header, &out) == 0) {
        if (out.ndim != 2) abort();
        em_tensor_release(&out);
        em_strlist_free(&header);
    } else if (out.storage || header.items) {
        abort();  /* failure must leave both empty */
    }
    free(text);
    return 0;
}

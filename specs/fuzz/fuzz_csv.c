/* libFuzzer harness: the CSV reader (engine/io/csv.c).  The first byte
 * picks the options (header or not, skipped columns, dtype, delimiter,
 * text columns, NaN for empty fields, a usecols list); the rest is the
 * text.  A successful parse must give a {rows, numeric columns} tensor and
 * one string per row in each text column; a failure must leave everything
 * empty.  em_csv_parse (the numeric-only face) is fuzzed beside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/tensor.h"
#include "../../engine/io/csv.h"

static int all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const em_csv_column some[2] = {{NULL, -1}, {NULL, 1}};
    em_csv_options o;
    memset(&o, 0, sizeof o);
    o.header = data[0] & 1;
    o.skip_columns = (data[0] >> 1) & 3;
    o.dtype = (data[0] & 8) ? EM_INT32 : EM_FLOAT32;
    o.delimiter = (data[0] & 16) ? ';' : ',';
    o.text = (data[0] >> 5) & 1;
    o.na_nan = (data[0] >> 6) & 1;
    if (data[0] & 128) {
        o.usecols = some;
        o.n_usecols = (data[0] & 2) ? 2 : 1;  /* {-1, 1} names one column twice when there is only one */
        o.skip_columns = 0;
    }
    /* The text is not NUL-terminated: a copy without one catches reads past len. */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    if (!text) return 0;
    memcpy(text, data + 1, len);

    em_csv_table t;
    memset(&t, 0, sizeof t);
    if (em_csv_read_table(text, len, "fuzz.csv", &o, &t) == 0) {
        if (t.data.ndim != 2 || t.data.shape[1] != t.n_data) abort();
        for (int64_t k = 0; k < t.n_text; k++)
            if ((int64_t)t.text[k].n != t.data.shape[0]) abort();
        em_csv_table_free(&t);
    } else if (!all_zero(&t, sizeof t)) {
        abort();  /* failure must leave the table empty */
    }

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

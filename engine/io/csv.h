/* A CSV reader for numeric tables (the Jena climate file): an optional
 * header line, then rows of numbers; the first skip_columns fields of each
 * row (e.g. the "Date Time" column) are skipped.  Fields may be quoted with
 * double quotes; "\r\n" line ends are accepted; empty lines are skipped.
 * Every row must have as many fields as the first (or the header); a field
 * that is not a number is an error naming its line and column.  Numbers are
 * parsed as doubles (strtod) and then rounded, as numpy's float() and
 * astype("float32") would. */
#ifndef EMBER_CSV_H
#define EMBER_CSV_H

#include <stddef.h>

#include "../core/tensor.h"
#include "zipfs.h"

typedef struct {
    int header;            /* the first line holds column names */
    int64_t skip_columns;  /* leading fields not read as numbers */
    em_dtype dtype;        /* of the result: float32 or int32 (values must be integers) */
    char delimiter;        /* ',' */
} em_csv_options;

/* Parse text (len bytes, named name in errors).  *header receives the
 * column names (quotes removed; empty when opts->header is 0) and *out (empty)
 * a {rows, fields - skip_columns} tensor.  On failure both are left empty. */
int em_csv_parse(const char *text, size_t len, const char *name, const em_csv_options *opts, em_strlist *header,
                 em_tensor *out);

#endif

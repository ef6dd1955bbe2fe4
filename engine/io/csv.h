/* A CSV reader for tables (the Jena climate file, a table with text
 * columns): an optional header line, then rows of fields; the first
 * skip_columns fields of each row (e.g. the "Date Time" column) are
 * skipped, or only the usecols columns are read.  Fields may be quoted with
 * double quotes; "\r\n" line ends are accepted; empty lines are skipped.
 * Every row must have as many fields as the first (or the header).
 * Numbers are parsed as doubles (strtod) and then rounded, as numpy's
 * float() and astype("float32") would.
 *
 * A column read is numeric unless one of its fields is not a number: with
 * opts->text it is then a text column (its fields kept as strings, a
 * doubled "" inside quotes read as one "), without it that field is an
 * error naming its line and column.  An empty field in a numeric column is
 * NaN with opts->na_nan, else an error (as is an empty field of an int32
 * column, which cannot hold NaN); empty fields of text columns are "". */
#ifndef EMBER_CSV_H
#define EMBER_CSV_H

#include <stddef.h>

#include "../core/tensor.h"
#include "zipfs.h"

/* A column to read: by name (from the header), or name NULL and a 1-based
 * index (negative counts from the end: -1 is the last column). */
typedef struct {
    const char *name;
    int64_t index;
} em_csv_column;

typedef struct {
    int header;                    /* the first line holds column names */
    int64_t skip_columns;          /* leading fields not read */
    em_dtype dtype;                /* of the numeric data: float32 or int32 (values must be integers) */
    char delimiter;                /* ',' */
    int text;                      /* 1: non-numeric columns are read as text; 0: an error */
    int na_nan;                    /* 1: an empty numeric field is NaN; 0: an error */
    const em_csv_column *usecols;  /* the columns to read (read in file order), or NULL: all */
    size_t n_usecols;
} em_csv_options;

/* What em_csv_read_table returns.  Zero it before the call. */
typedef struct {
    em_strlist header;     /* every column's name, quotes removed (empty without a header line) */
    em_tensor data;        /* {rows, n_data}: the numeric columns read, in file order */
    int64_t *data_fields;  /* n_data 0-based column numbers of data's columns */
    int64_t n_data;
    int64_t *text_fields;  /* n_text 0-based column numbers of the text columns */
    em_strlist *text;      /* text[k]: the rows' fields of text column k */
    int64_t n_text;
} em_csv_table;

/* Parse text (len bytes, named name in errors) into *out (zeroed).  On
 * failure *out is left empty (as zeroed). */
int em_csv_read_table(const char *text, size_t len, const char *name, const em_csv_options *opts, em_csv_table *out);
void em_csv_table_free(em_csv_table *t);

/* The numeric reader of before (text columns are kept only with
 * opts->text, and then dropped): *header receives the column names and
 * *out (empty) the {rows, columns read} tensor.  On failure both are left
 * empty. */
int em_csv_parse(const char *text, size_t len, const char *name, const em_csv_options *opts, em_strlist *header,
                 em_tensor *out);

#endif

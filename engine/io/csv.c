#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "numparse.h"

typedef struct {
    const char *text, *end, *name;
    char delim;
    int64_t line;  /* 1-based line number of the current row */
} csv_reader;

/* The field starting at p: sets [*fs, *fe) to its content (surrounding
 * quotes removed; a doubled "" inside is kept as is; fields may not span
 * lines) and returns the position after it: at the delimiter, the line end
 * or the end of text.  Anything between a closing quote and the next
 * delimiter is ignored. */
static const char *field(const csv_reader *r, const char *p, const char **fs, const char **fe) {
    if (p < r->end && *p == '"') {
        const char *q = p + 1;
        while (q < r->end && *q != '\n' && !(*q == '"' && (q + 1 >= r->end || q[1] != '"'))) q += (*q == '"') ? 2 : 1;
        *fs = p + 1;
        *fe = q;
        while (q < r->end && *q != r->delim && *q != '\n') q++;
        return q;
    }
    const char *q = p;
    while (q < r->end && *q != r->delim && *q != '\n') q++;
    *fs = p;
    *fe = (q > p && q[-1] == '\r' && (q == r->end || *q == '\n')) ? q - 1 : q;
    return q;
}

/* Number of fields on the line starting at p; *next = start of the next line. */
static int64_t count_fields(const csv_reader *r, const char *p, const char **next) {
    int64_t n = 0;
    for (;;) {
        const char *fs, *fe;
        p = field(r, p, &fs, &fe);
        n++;
        if (p >= r->end || *p == '\n') break;
        p++;
    }
    *next = p < r->end ? p + 1 : r->end;
    return n;
}

static int blank_line(const char *p, const char *end) {
    return p >= end || *p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] == '\n'));
}

/* Skip empty lines from p, counting them into *line. */
static const char *skip_blank_lines(const char *p, const char *end, int64_t *line) {
    while (p < end && blank_line(p, end)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
        (*line)++;
    }
    return p;
}

static int read_header(csv_reader *r, const char **p, em_strlist *header) {
    const char *q = *p;
    for (;;) {
        const char *fs, *fe;
        q = field(r, q, &fs, &fe);
        if (em_strlist_push(header, fs, (size_t)(fe - fs))) return -1;
        if (q >= r->end || *q == '\n') break;
        q++;
    }
    *p = q < r->end ? q + 1 : r->end;
    r->line++;
    return 0;
}

/* What a field holds; the value of a number goes to *v. */
enum { FIELD_NUMBER, FIELD_EMPTY, FIELD_TEXT, FIELD_LONG };

static int classify(const char *fs, const char *fe, double *v) {
    size_t n = (size_t)(fe - fs);
    if (n == 0) return FIELD_EMPTY;
    if (n >= 64) return FIELD_LONG;  /* no number is that long; the old reader's limit */
    const char *stop = em_parse_double(fs, fe, v);
    while (stop < fe && *stop == ' ') stop++;
    return (stop == fs || stop != fe) ? FIELD_TEXT : FIELD_NUMBER;
}

/* "read_csv: <file> line L, column C (name): <what>" */
static int field_error(const csv_reader *r, int64_t line, int64_t col, const em_strlist *header, const char *what) {
    const char *colname = header->n > (size_t)col ? header->items[col] : "";
    return em_fail("read_csv: %s line %lld, column %lld%s%s%s: %s", r->name, (long long)line, (long long)col + 1,
                   *colname ? " (" : "", colname, *colname ? ")" : "", what);
}

static int not_a_number(const csv_reader *r, int64_t col, const em_strlist *header, int kind, const char *fs,
                        const char *fe) {
    if (kind == FIELD_LONG) return field_error(r, r->line, col, header, "field too long to be a number");
    char what[96];
    snprintf(what, sizeof what, "'%.*s' is not a number", (int)(fe - fs), fs);
    return field_error(r, r->line, col, header, what);
}

/* The state of one column of the file while reading. */
enum { COL_SKIPPED = 0, COL_NUMERIC, COL_TEXT };
enum { BAD_NONE = 0, BAD_EMPTY, BAD_NOT_INT };
typedef struct {
    int kind;         /* COL_* */
    int64_t out;      /* column of the numeric buffer */
    int bad;          /* with opts->text: the column's first problem, reported if it stays numeric */
    int64_t bad_line;
    double bad_value;
} csv_column;

static int bad_field_error(const csv_reader *r, const csv_column *c, int64_t col, const em_csv_options *o,
                           const em_strlist *header) {
    if (c->bad == BAD_NOT_INT)
        return em_fail("read_csv: %s line %lld, column %lld: %g is not an int32", r->name, (long long)c->bad_line,
                       (long long)col + 1, c->bad_value);
    return field_error(r, c->bad_line, col, header,
                       o->na_nan ? "empty field, and an int32 column cannot hold NaN (read it as float32)"
                                 : "empty field, expected a number (na = \"error\")");
}

/* With opts->text, a problem of a field is reported only if its column
 * stays numeric (a later field may make it a text column): keep the first. */
static void note_bad(csv_column *c, int what, int64_t line, double v) {
    if (c->bad) return;
    c->bad = what;
    c->bad_line = line;
    c->bad_value = v;
}

/* First pass: numbers into out ({rows, columns read}); a column with a
 * field that is not a number becomes COL_TEXT (with opts->text). */
static int read_rows(csv_reader *r, const char *p, int64_t fields, const em_csv_options *o, const em_strlist *header,
                     csv_column *cols, int64_t ncols, em_tensor *out) {
    int64_t row = 0;
    float *f32 = o->dtype == EM_FLOAT32 ? em_f32(out) : NULL;
    int32_t *i32 = o->dtype == EM_INT32 ? em_i32(out) : NULL;
    while ((p = skip_blank_lines(p, r->end, &r->line)) < r->end) {
        const char *next;
        int64_t n = count_fields(r, p, &next);
        if (n != fields)
            return em_fail("read_csv: %s line %lld has %lld fields, expected %lld", r->name, (long long)r->line,
                           (long long)n, (long long)fields);
        for (int64_t c = 0; c < fields; c++) {
            const char *fs, *fe;
            p = field(r, p, &fs, &fe) + 1;
            csv_column *col = &cols[c];
            if (col->kind != COL_NUMERIC) continue;
            double v = 0;
            int kind = classify(fs, fe, &v);
            if (kind == FIELD_EMPTY) {
                if (!o->na_nan || i32) {
                    if (!o->text) {
                        if (!o->na_nan) return field_error(r, r->line, c, header, "empty field, expected a number");
                        return field_error(r, r->line, c, header,
                                           "empty field, and an int32 column cannot hold NaN (read it as float32)");
                    }
                    note_bad(col, BAD_EMPTY, r->line, 0);
                    continue;
                }
                v = NAN;
            } else if (kind != FIELD_NUMBER) {
                if (!o->text) return not_a_number(r, c, header, kind, fs, fe);
                col->kind = COL_TEXT;
                continue;
            }
            if (f32) f32[row * ncols + col->out] = (float)v;
            else if (v != floor(v) || v < INT32_MIN || v > INT32_MAX) {
                if (!o->text)
                    return em_fail("read_csv: %s line %lld, column %lld: %g is not an int32", r->name,
                                   (long long)r->line, (long long)c + 1, v);
                note_bad(col, BAD_NOT_INT, r->line, v);
            } else i32[row * ncols + col->out] = (int32_t)v;
        }
        p = next;
        r->line++;
        row++;
    }
    return 0;
}

/* Append [fs, fe) to l, a doubled "" read as one " when the field was quoted. */
static int push_text(em_strlist *l, int quoted, const char *fs, const char *fe) {
    if (!quoted || !memchr(fs, '"', (size_t)(fe - fs))) return em_strlist_push(l, fs, (size_t)(fe - fs));
    char *buf = malloc((size_t)(fe - fs) + 1);
    if (!buf) return em_fail("read_csv: out of memory");
    size_t n = 0;
    for (const char *q = fs; q < fe; q++) {
        buf[n++] = *q;
        if (*q == '"' && q + 1 < fe && q[1] == '"') q++;
    }
    int rc = em_strlist_push(l, buf, n);
    free(buf);
    return rc;
}

/* Second pass (only when there are text columns): their fields as strings. */
static int read_text(const csv_reader *r, const char *p, int64_t fields, const csv_column *cols, const int64_t *slot,
                     em_strlist *text) {
    int64_t ignored = 0;
    while ((p = skip_blank_lines(p, r->end, &ignored)) < r->end) {
        for (int64_t c = 0; c < fields; c++) {
            const char *fs, *fe;
            int quoted = p < r->end && *p == '"';  /* an empty last field starts at the end */
            p = field(r, p, &fs, &fe);
            if (cols[c].kind == COL_TEXT && push_text(&text[slot[c]], quoted, fs, fe)) return -1;
            if (p < r->end && *p != '\n') p++;  /* past the delimiter */
        }
        p = p < r->end ? p + 1 : r->end;  /* past the line end */
    }
    return 0;
}

/* Which columns to read: usecols (by name or 1-based index), else all but
 * the first skip_columns. */
static int select_columns(const csv_reader *r, const em_csv_options *o, const em_strlist *header, int64_t fields,
                          csv_column *cols) {
    if (!o->usecols) {
        if (o->skip_columns >= fields)
            return em_fail("read_csv: %s has %lld columns, skip_columns = %lld leaves none", r->name, (long long)fields,
                           (long long)o->skip_columns);
        for (int64_t c = o->skip_columns; c < fields; c++) cols[c].kind = COL_NUMERIC;
        return 0;
    }
    if (o->skip_columns) return em_fail("read_csv: options 'usecols' and 'skip_columns' cannot be combined");
    if (o->n_usecols == 0) return em_fail("read_csv: option 'usecols' is empty: no column to read");
    for (size_t i = 0; i < o->n_usecols; i++) {
        const em_csv_column *u = &o->usecols[i];
        int64_t c = -1;
        if (u->name) {
            if (!o->header)
                return em_fail("read_csv: option 'usecols' names column '%s' but the file is read without a header "
                               "(header = false); give 1-based column numbers", u->name);
            for (size_t k = 0; k < header->n && c < 0; k++)
                if (strcmp(header->items[k], u->name) == 0) c = (int64_t)k;
            if (c < 0) {
                char list[512];
                size_t at = 0;
                list[0] = '\0';
                for (size_t k = 0; k < header->n && at < sizeof list - 8; k++)
                    at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", k ? ", " : "", header->items[k]);
                if (at >= sizeof list - 8) snprintf(list + sizeof list - 8, 8, ", ...");
                return em_fail("read_csv: option 'usecols': %s has no column '%s' (columns: %s)", r->name, u->name,
                               list);
            }
        } else {
            int64_t k = u->index < 0 ? fields + u->index + 1 : u->index;
            if (u->index == 0 || k < 1 || k > fields)
                return em_fail("read_csv: option 'usecols': column %lld is out of range: %s has %lld columns "
                               "(1-based, negative from the end)",
                               (long long)u->index, r->name, (long long)fields);
            c = k - 1;
        }
        if (cols[c].kind)
            return em_fail("read_csv: option 'usecols' lists column %lld%s%s%s twice", (long long)c + 1,
                           header->n > (size_t)c ? " (" : "", header->n > (size_t)c ? header->items[c] : "",
                           header->n > (size_t)c ? ")" : "");
        cols[c].kind = COL_NUMERIC;
    }
    return 0;
}

/* With opts->text: the first problem of a column that stayed numeric. */
static int report_bad_fields(const csv_reader *r, const em_csv_options *o, const em_strlist *header,
                             const csv_column *cols, int64_t fields) {
    int64_t worst = -1;
    for (int64_t c = 0; c < fields; c++)
        if (cols[c].kind == COL_NUMERIC && cols[c].bad && (worst < 0 || cols[c].bad_line < cols[worst].bad_line))
            worst = c;
    return worst < 0 ? 0 : bad_field_error(r, &cols[worst], worst, o, header);
}

/* The numeric columns of full ({rows, ncols}) into out; the column lists. */
static int finish_columns(const em_tensor *full, const csv_column *cols, int64_t fields, em_csv_table *t) {
    int64_t rows = full->shape[0], ncols = full->shape[1], n_data = 0, n_text = 0;
    for (int64_t c = 0; c < fields; c++) {
        if (cols[c].kind == COL_NUMERIC) n_data++;
        if (cols[c].kind == COL_TEXT) n_text++;
    }
    t->data_fields = malloc(sizeof(int64_t) * (size_t)(n_data ? n_data : 1));
    t->text_fields = malloc(sizeof(int64_t) * (size_t)(n_text ? n_text : 1));
    t->text = calloc((size_t)(n_text ? n_text : 1), sizeof(em_strlist));
    if (!t->data_fields || !t->text_fields || !t->text) return em_fail("read_csv: out of memory");
    for (int64_t c = 0; c < fields; c++) {
        if (cols[c].kind == COL_NUMERIC) t->data_fields[t->n_data++] = c;
        if (cols[c].kind == COL_TEXT) t->text_fields[t->n_text++] = c;
    }
    if (n_data == ncols) {  /* no text column: the buffer is the result */
        t->data = *full;
        return 1;
    }
    int64_t shape[2] = {rows, n_data};
    if (em_tensor_alloc(&t->data, full->dtype, 2, shape)) return -1;
    size_t esz = em_dtype_size(full->dtype);
    const char *src = (const char *)full->storage->data;
    char *dst = (char *)t->data.storage->data;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t k = 0; k < n_data; k++)
            memcpy(dst + (size_t)(i * n_data + k) * esz, src + (size_t)(i * ncols + cols[t->data_fields[k]].out) * esz,
                   esz);
    return 0;
}

static int parse_text(const char *text, size_t len, const char *name, const em_csv_options *o, em_csv_table *t);

void em_csv_table_free(em_csv_table *t) {
    em_strlist_free(&t->header);
    em_tensor_release(&t->data);
    if (t->text)
        for (int64_t k = 0; k < t->n_text; k++) em_strlist_free(&t->text[k]);
    free(t->text);
    free(t->data_fields);
    free(t->text_fields);
    memset(t, 0, sizeof *t);
}

/* Before parsing: a UTF-8 byte-order mark is not part of the first column's
 * name, and a file with old Mac (CR-only) line endings is read as lines
 * (parsed from a copy with LF endings), not as one long line. */
int em_csv_read_table(const char *text, size_t len, const char *name, const em_csv_options *o, em_csv_table *t) {
    if (o->dtype != EM_FLOAT32 && o->dtype != EM_INT32)
        return em_fail("read_csv: dtype %s is not supported (float32 or int32)", em_dtype_name(o->dtype));
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF) {
        text += 3;
        len -= 3;
    }
    if (len == 0 || memchr(text, '\n', len) || !memchr(text, '\r', len)) return parse_text(text, len, name, o, t);
    char *lf = malloc(len);
    if (!lf) return em_fail("read_csv: out of memory for %s", name);
    for (size_t i = 0; i < len; i++) lf[i] = text[i] == '\r' ? '\n' : text[i];
    int rc = parse_text(lf, len, name, o, t);
    free(lf);
    return rc;
}

int em_csv_parse(const char *text, size_t len, const char *name, const em_csv_options *o, em_strlist *header,
                 em_tensor *out) {
    em_csv_table t;
    memset(&t, 0, sizeof t);
    if (em_csv_read_table(text, len, name, o, &t)) return -1;
    *header = t.header;
    *out = t.data;
    memset(&t.header, 0, sizeof t.header);
    memset(&t.data, 0, sizeof t.data);
    em_csv_table_free(&t);
    return 0;
}

static int parse_text(const char *text, size_t len, const char *name, const em_csv_options *o, em_csv_table *t) {
    csv_reader r = {text, text + len, name, o->delimiter ? o->delimiter : ',', 1};
    csv_column *cols = NULL;
    int64_t *slot = NULL;
    em_tensor full;
    memset(&full, 0, sizeof full);
    const char *p = skip_blank_lines(text, r.end, &r.line), *next;
    if (p >= r.end) return em_fail("read_csv: %s holds no data", name);
    if (o->header && read_header(&r, &p, &t->header)) goto fail;
    /* field count from the header, else from the first row */
    int64_t ignored = 0;
    const char *first = skip_blank_lines(p, r.end, &ignored);
    int64_t fields = o->header ? (int64_t)t->header.n : count_fields(&r, first, &next);
    cols = calloc((size_t)fields, sizeof *cols);
    if (!cols) {
        em_fail("read_csv: out of memory for %s", name);
        goto fail;
    }
    if (select_columns(&r, o, &t->header, fields, cols)) goto fail;
    int64_t ncols = 0;
    for (int64_t c = 0; c < fields; c++)
        if (cols[c].kind) cols[c].out = ncols++;
    int64_t rows = 0;
    for (const char *q = p; (q = skip_blank_lines(q, r.end, &ignored)) < r.end; rows++) {
        const char *nl = memchr(q, '\n', (size_t)(r.end - q));
        q = nl ? nl + 1 : r.end;
    }
    int64_t shape[2] = {rows, ncols};
    if (em_tensor_alloc(&full, o->dtype, 2, shape)) goto fail;
    if (read_rows(&r, p, fields, o, &t->header, cols, ncols, &full)) goto fail;
    if (o->text && report_bad_fields(&r, o, &t->header, cols, fields)) goto fail;
    int moved = finish_columns(&full, cols, fields, t);
    if (moved < 0) goto fail;
    if (moved) memset(&full, 0, sizeof full);
    em_tensor_release(&full);
    if (t->n_text) {
        slot = malloc(sizeof(int64_t) * (size_t)fields);
        if (!slot) {
            em_fail("read_csv: out of memory for %s", name);
            goto fail;
        }
        for (int64_t c = 0, k = 0; c < fields; c++) slot[c] = cols[c].kind == COL_TEXT ? k++ : -1;
        if (read_text(&r, p, fields, cols, slot, t->text)) goto fail;
    }
    free(slot);
    free(cols);
    return 0;
fail:
    free(slot);
    free(cols);
    em_tensor_release(&full);
    em_csv_table_free(t);
    return -1;
}

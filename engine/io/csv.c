#include "csv.h"

#include <math.h>
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

/* Parse one numeric field; errors name line and column. */
static int parse_number(const csv_reader *r, const char *fs, const char *fe, int64_t col, const em_strlist *header,
                        double *v) {
    char buf[64];
    size_t n = (size_t)(fe - fs);
    const char *colname = header->n > (size_t)col ? header->items[col] : "";
    if (n == 0 || n >= sizeof buf)
        return em_fail("read_csv: %s line %lld, column %lld%s%s%s: %s", r->name, (long long)r->line,
                       (long long)col + 1, *colname ? " (" : "", colname, *colname ? ")" : "",
                       n == 0 ? "empty field, expected a number" : "field too long to be a number");
    const char *stop = em_parse_double(fs, fe, v);
    while (stop < fe && *stop == ' ') stop++;
    if (stop == fs || stop != fe) {
        memcpy(buf, fs, n);
        buf[n] = '\0';
        return em_fail("read_csv: %s line %lld, column %lld%s%s%s: '%s' is not a number", r->name, (long long)r->line,
                       (long long)col + 1, *colname ? " (" : "", colname, *colname ? ")" : "", buf);
    }
    return 0;
}

static int read_rows(csv_reader *r, const char *p, int64_t fields, const em_csv_options *o, const em_strlist *header,
                     em_tensor *out) {
    int64_t cols = fields - o->skip_columns, row = 0;
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
            if (c < o->skip_columns) continue;
            double v = 0;
            if (parse_number(r, fs, fe, c, header, &v)) return -1;
            if (f32) f32[row * cols + c - o->skip_columns] = (float)v;
            else if (v != floor(v) || v < INT32_MIN || v > INT32_MAX)
                return em_fail("read_csv: %s line %lld, column %lld: %g is not an int32", r->name, (long long)r->line,
                               (long long)c + 1, v);
            else i32[row * cols + c - o->skip_columns] = (int32_t)v;
        }
        p = next;
        r->line++;
        row++;
    }
    return 0;
}

static int parse_text(const char *text, size_t len, const char *name, const em_csv_options *o, em_strlist *header,
                      em_tensor *out);

/* Before parsing: a UTF-8 byte-order mark is not part of the first column's
 * name, and a file with old Mac (CR-only) line endings is read as lines
 * (parsed from a copy with LF endings), not as one long line. */
int em_csv_parse(const char *text, size_t len, const char *name, const em_csv_options *o, em_strlist *header,
                 em_tensor *out) {
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF) {
        text += 3;
        len -= 3;
    }
    if (len == 0 || memchr(text, '\n', len) || !memchr(text, '\r', len)) return parse_text(text, len, name, o, header, out);
    char *lf = malloc(len);
    if (!lf) return em_fail("read_csv: out of memory for %s", name);
    for (size_t i = 0; i < len; i++) lf[i] = text[i] == '\r' ? '\n' : text[i];
    int rc = parse_text(lf, len, name, o, header, out);
    free(lf);
    return rc;
}

static int parse_text(const char *text, size_t len, const char *name, const em_csv_options *o, em_strlist *header,
                      em_tensor *out) {
    csv_reader r = {text, text + len, name, o->delimiter ? o->delimiter : ',', 1};
    const char *p = skip_blank_lines(text, r.end, &r.line), *next;
    if (p >= r.end) return em_fail("read_csv: %s holds no data", name);
    if (o->header && read_header(&r, &p, header)) goto fail;
    /* field count from the header, else from the first row */
    int64_t ignored = 0;
    const char *first = skip_blank_lines(p, r.end, &ignored);
    int64_t fields = o->header ? (int64_t)header->n : count_fields(&r, first, &next);
    if (o->skip_columns >= fields) {
        em_fail("read_csv: %s has %lld columns, skip_columns = %lld leaves none", name, (long long)fields,
                (long long)o->skip_columns);
        goto fail;
    }
    int64_t rows = 0;
    for (const char *q = p; (q = skip_blank_lines(q, r.end, &ignored)) < r.end; rows++) {
        const char *nl = memchr(q, '\n', (size_t)(r.end - q));
        q = nl ? nl + 1 : r.end;
    }
    int64_t shape[2] = {rows, fields - o->skip_columns};
    if (em_tensor_alloc(out, o->dtype, 2, shape)) goto fail;
    if (read_rows(&r, p, fields, o, header, out)) goto fail;
    return 0;
fail:
    em_strlist_free(header);
    em_tensor_release(out);
    return -1;
}

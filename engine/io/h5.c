#include "h5.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "file_util.h"

/* Keras's HDF5_OBJECT_HEADER_LIMIT: a list attribute larger than this is
 * split into numbered chunks. */
#define OBJECT_HEADER_LIMIT 64512
/* Bounds on what a weights file may claim, checked before any allocation. */
#define MAX_LIST 1000000     /* names in one list attribute */
#define MAX_NAME 4096        /* bytes in one name */
#define MAX_CHUNKS 100000    /* "<name>0", "<name>1", ... */

static const unsigned char h5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

int em_is_h5_prefix(const unsigned char *b, size_t n) { return n >= 8 && memcmp(b, h5_signature, 8) == 0; }

/* libhdf5 prints its error stack to stderr by default; the engine never
 * prints.  Turned off before every call into the library. */
static void h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* The innermost (most specific) description on libhdf5's error stack. */
static herr_t keep_desc(unsigned n, const H5E_error2_t *e, void *data) {
    if (e->desc && e->desc[0]) snprintf(data, 200, "%s", e->desc);
    return 0;
}

static const char *h5_reason(char *buf) {
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_desc, buf);
    H5Eclear2(H5E_DEFAULT);
    if (!buf[0]) snprintf(buf, 200, "libhdf5 failed");
    return buf;
}

static void close_id(hid_t id) {
    if (id < 0) return;
    switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
    }
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct {
    const char *op, *path;
    hid_t file;
    hid_t dapl, gapl;  /* dataset / group access (both link access too): no external links */
    hsize_t file_size;
} reader;

/* 1 when the last link of name is an external link (to another file). */
static int is_external(hid_t loc, const char *name, hid_t lapl) {
    H5L_info_t info;
    if (H5Lget_info(loc, name, &info, lapl) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    return info.type == H5L_TYPE_EXTERNAL;
}

/* Refuse to follow an external link (it would open another file). */
static herr_t deny_external(const char *parent_file, const char *parent_group, const char *child_file,
                            const char *child_object, unsigned *acc_flags, hid_t fapl, void *data) {
    return -1;
}

typedef struct {
    int n;
    char **items;
} strlist;

static void strlist_free(strlist *s) {
    for (int i = 0; i < s->n; i++) free(s->items[i]);
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

/* Append a copy of the first len bytes of s (a name must hold no NUL). */
static int strlist_push(strlist *s, const char *str, size_t len, const reader *r, const char *where, const char *attr) {
    size_t used = strnlen(str, len);
    for (size_t i = used; i < len; i++)
        if (str[i] != '\0')
            return em_fail("%s: %s: %s: attribute '%s' holds a name with a NUL byte inside", r->op, r->path, where, attr);
    if (used >= MAX_NAME)
        return em_fail("%s: %s: %s: attribute '%s' holds a name of %zu bytes (at most %d)", r->op, r->path, where, attr,
                       used, MAX_NAME - 1);
    char **grown = realloc(s->items, sizeof(char *) * (size_t)(s->n + 1));
    if (!grown) return em_fail("%s: out of memory", r->op);
    s->items = grown;
    char *copy = malloc(used + 1);
    if (!copy) return em_fail("%s: out of memory", r->op);
    memcpy(copy, str, used);
    copy[used] = '\0';
    s->items[s->n++] = copy;
    return 0;
}

/* Elements of a list attribute's dataspace: rank 1 (or a scalar, one name). */
static int list_length(hid_t space, const reader *r, const char *where, const char *attr, hssize_t *n) {
    H5S_class_t cls = H5Sget_simple_extent_type(space);
    int rank = H5Sget_simple_extent_ndims(space);
    if (cls == H5S_SCALAR) { *n = 1; return 0; }
    if (cls != H5S_SIMPLE || rank != 1)
        return em_fail("%s: %s: %s: attribute '%s' is not a list of names (rank %d)", r->op, r->path, where, attr, rank);
    *n = H5Sget_simple_extent_npoints(space);
    if (*n < 0 || *n > MAX_LIST)
        return em_fail("%s: %s: %s: attribute '%s' holds %lld names (at most %d)", r->op, r->path, where, attr,
                       (long long)*n, MAX_LIST);
    return 0;
}

/* Append the names held by one attribute (fixed- or variable-length strings,
 * or the empty float64 array numpy makes of an empty list). */
static int read_names(hid_t a, const reader *r, const char *where, const char *attr, strlist *out) {
    char why[200];
    hid_t type = H5Aget_type(a), space = type < 0 ? -1 : H5Aget_space(a), mem = -1;
    int rc = -1;
    hssize_t n = 0;
    if (type < 0 || space < 0) {
        em_fail("%s: %s: %s: cannot read attribute '%s' (%s)", r->op, r->path, where, attr, h5_reason(why));
        goto done;
    }
    if (list_length(space, r, where, attr, &n)) goto done;
    H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_STRING) {
        if (n == 0) rc = 0;  /* np.asarray([]) is float64: Keras's empty list */
        else em_fail("%s: %s: %s: attribute '%s' is not a list of strings", r->op, r->path, where, attr);
        goto done;
    }
    if (n == 0) { rc = 0; goto done; }
    htri_t vlen = H5Tis_variable_str(type);
    mem = H5Tcopy(H5T_C_S1);
    if (vlen < 0 || mem < 0) {
        em_fail("%s: %s: %s: cannot read attribute '%s' (%s)", r->op, r->path, where, attr, h5_reason(why));
        goto done;
    }
    if (vlen) {
        char **items = calloc((size_t)n, sizeof *items);
        if (!items) { em_fail("%s: out of memory", r->op); goto done; }
        if (H5Tset_size(mem, H5T_VARIABLE) < 0 || H5Aread(a, mem, items) < 0) {
            em_fail("%s: %s: %s: cannot read attribute '%s' (%s)", r->op, r->path, where, attr, h5_reason(why));
            free(items);
            goto done;
        }
        rc = 0;
        for (hssize_t i = 0; i < n && rc == 0; i++)
            rc = items[i] ? strlist_push(out, items[i], strlen(items[i]), r, where, attr)
                          : em_fail("%s: %s: %s: attribute '%s' holds a missing name", r->op, r->path, where, attr);
        H5Dvlen_reclaim(mem, space, H5P_DEFAULT, items);
        free(items);
        goto done;
    }
    size_t size = H5Tget_size(type);
    if (size == 0 || size >= MAX_NAME) {
        em_fail("%s: %s: %s: attribute '%s' has names of %zu bytes (at most %d)", r->op, r->path, where, attr, size,
                MAX_NAME - 1);
        goto done;
    }
    char *buf = malloc((size_t)n * size);
    if (!buf) { em_fail("%s: out of memory", r->op); goto done; }
    if (H5Tset_size(mem, size) < 0 || H5Tset_strpad(mem, H5T_STR_NULLPAD) < 0 || H5Aread(a, mem, buf) < 0) {
        em_fail("%s: %s: %s: cannot read attribute '%s' (%s)", r->op, r->path, where, attr, h5_reason(why));
        free(buf);
        goto done;
    }
    rc = 0;
    for (hssize_t i = 0; i < n && rc == 0; i++) rc = strlist_push(out, buf + i * size, size, r, where, attr);
    free(buf);
done:
    close_id(mem);
    close_id(space);
    close_id(type);
    if (rc) strlist_free(out);
    return rc;
}

/* 1 when obj has attribute name, 0 when not, -1 on error. */
static int has_attr(hid_t obj, const char *name, const reader *r, const char *where) {
    htri_t e = H5Aexists(obj, name);
    char why[200];
    if (e < 0) return em_fail("%s: %s: %s: cannot read attribute '%s' (%s)", r->op, r->path, where, name, h5_reason(why));
    return e > 0;
}

static int read_list_attr(hid_t obj, const char *attr, const reader *r, const char *where, strlist *out, int *found) {
    char why[200];
    *found = 0;
    int e = has_attr(obj, attr, r, where);
    if (e < 0) return -1;
    if (e) {
        hid_t a = H5Aopen(obj, attr, H5P_DEFAULT);
        if (a < 0) return em_fail("%s: %s: %s: cannot open attribute '%s' (%s)", r->op, r->path, where, attr, h5_reason(why));
        int rc = read_names(a, r, where, attr, out);
        H5Aclose(a);
        *found = rc == 0;
        return rc;
    }
    /* Keras's chunks: "<attr>0", "<attr>1", ... while they exist. */
    for (int k = 0; k < MAX_CHUNKS; k++) {
        char name[128];
        snprintf(name, sizeof name, "%s%d", attr, k);
        if ((e = has_attr(obj, name, r, where)) < 0) { strlist_free(out); return -1; }
        if (!e) return 0;
        hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
        if (a < 0) {
            em_fail("%s: %s: %s: cannot open attribute '%s' (%s)", r->op, r->path, where, name, h5_reason(why));
            strlist_free(out);
            return -1;
        }
        int rc = read_names(a, r, where, name, out);
        H5Aclose(a);
        if (rc) return -1;
        *found = 1;
    }
    strlist_free(out);
    return em_fail("%s: %s: %s: attribute '%s' is split into more than %d chunks", r->op, r->path, where, attr, MAX_CHUNKS);
}

/* An optional scalar string attribute (backend, keras_version) into *out
 * (malloc'd; NULL when absent). */
static int read_text_attr(hid_t obj, const char *attr, const reader *r, char **out) {
    strlist s = {0, NULL};
    *out = NULL;
    int e = has_attr(obj, attr, r, "root");
    if (e <= 0) return e;
    hid_t a = H5Aopen(obj, attr, H5P_DEFAULT);
    char why[200];
    if (a < 0) return em_fail("%s: %s: cannot open attribute '%s' (%s)", r->op, r->path, attr, h5_reason(why));
    hid_t type = H5Aget_type(a);
    int is_string = type >= 0 && H5Tget_class(type) == H5T_STRING;
    close_id(type);
    int rc = is_string ? read_names(a, r, "root", attr, &s)
                       : em_fail("%s: %s: attribute '%s' is not a string", r->op, r->path, attr);
    H5Aclose(a);
    if (rc) return -1;
    if (s.n != 1) {
        strlist_free(&s);
        return em_fail("%s: %s: attribute '%s' holds %d strings, expected one", r->op, r->path, attr, s.n);
    }
    *out = s.items[0];
    free(s.items);
    return 0;
}

/* A name Keras could have written: not empty, no leading '/', no empty or
 * "." / ".." component (a layer name has no '/' at all). */
static int check_name(const char *name, int is_layer, const reader *r, const char *where) {
    const char *what = is_layer ? "layer name" : "weight name";
    if (!name[0]) return em_fail("%s: %s: %s: an empty %s", r->op, r->path, where, what);
    if (is_layer && strchr(name, '/'))
        return em_fail("%s: %s: layer name '%s' contains '/' (Keras's never do)", r->op, r->path, name);
    const char *p = name;
    while (1) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return em_fail("%s: %s: %s: %s '%s' is not a plain path inside the group", r->op, r->path, where, what, name);
        if (!slash) return 0;
        p = slash + 1;
    }
}

/* Refuse every dataset but the kind h5py writes for a numpy array: float,
 * contiguous or compact, unfiltered, stored inside this file. */
static int check_dataset(hid_t d, const reader *r, const char *where, const char *wname, int *ndim, int64_t *shape) {
    char why[200];
    hid_t type = H5Dget_type(d), space = type < 0 ? -1 : H5Dget_space(d), dcpl = space < 0 ? -1 : H5Dget_create_plist(d);
    int rc = -1;
    if (type < 0 || space < 0 || dcpl < 0) {
        em_fail("%s: %s: %s: cannot read weight '%s' (%s)", r->op, r->path, where, wname, h5_reason(why));
        goto done;
    }
    size_t esize = H5Tget_size(type);
    if (H5Tget_class(type) != H5T_FLOAT || (esize != 2 && esize != 4 && esize != 8)) {
        em_fail("%s: %s: %s: weight '%s' is not a float16/32/64 array (HDF5 type class %d, %zu bytes)", r->op, r->path,
                where, wname, (int)H5Tget_class(type), esize);
        goto done;
    }
    H5S_class_t cls = H5Sget_simple_extent_type(space);
    int rank = H5Sget_simple_extent_ndims(space);
    if ((cls != H5S_SIMPLE && cls != H5S_SCALAR) || rank < 0 || rank > EM_MAX_DIMS) {
        em_fail("%s: %s: %s: weight '%s' has an unsupported shape (rank %d; at most %d)", r->op, r->path, where, wname,
                rank, EM_MAX_DIMS);
        goto done;
    }
    hsize_t dims[EM_MAX_DIMS];
    H5Sget_simple_extent_dims(space, dims, NULL);
    double numel = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] > (hsize_t)EM_MAX_NUMEL) {
            em_fail("%s: %s: %s: weight '%s' claims a dimension of %llu", r->op, r->path, where, wname,
                    (unsigned long long)dims[i]);
            goto done;
        }
        shape[i] = (int64_t)dims[i];
        numel *= (double)dims[i];
    }
    *ndim = rank;
    H5D_layout_t layout = H5Pget_layout(dcpl);
    if ((layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) || H5Pget_nfilters(dcpl) != 0 ||
        H5Pget_external_count(dcpl) != 0) {
        em_fail("%s: %s: %s: weight '%s' is stored chunked, filtered, external or virtual; Keras's weight files are "
                "plain contiguous arrays and only those are read", r->op, r->path, where, wname);
        goto done;
    }
    /* The stored bytes must be exactly what the shape needs and lie inside
     * the file: a hostile shape cannot become a huge allocation. */
    hsize_t stored = H5Dget_storage_size(d);
    haddr_t offset = layout == H5D_CONTIGUOUS ? H5Dget_offset(d) : 0;
    if ((double)stored != numel * (double)esize ||
        (layout == H5D_CONTIGUOUS && numel > 0 &&
         (offset == HADDR_UNDEF || offset > r->file_size || stored > r->file_size - offset))) {
        em_fail("%s: %s: %s: weight '%s' is truncated or corrupt (its shape needs %.0f bytes, %llu are stored%s)", r->op,
                r->path, where, wname, numel * (double)esize, (unsigned long long)stored,
                layout == H5D_CONTIGUOUS && numel > 0 ? " or they lie past the end of the file" : "");
        goto done;
    }
    rc = 0;
done:
    close_id(dcpl);
    close_id(space);
    close_id(type);
    return rc;
}

static int read_weight(hid_t g, const reader *r, const char *where, const char *wname, em_tensor *out) {
    char why[200];
    if (check_name(wname, 0, r, where)) return -1;
    htri_t there = H5Lexists(g, wname, r->dapl);
    /* H5Lexists fails (rather than saying no) when a middle component is missing. */
    if (there <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return em_fail("%s: %s: %s: weight_names lists '%s' but the group has no such dataset (or it is reached "
                       "through an external link, which is not followed)", r->op, r->path, where, wname);
    }
    if (is_external(g, wname, r->dapl))
        return em_fail("%s: %s: %s: weight '%s' is an external link to another file, which is not followed", r->op,
                       r->path, where, wname);
    hid_t d = H5Dopen2(g, wname, r->dapl);
    if (d < 0)
        return em_fail("%s: %s: %s: weight '%s' is not a readable dataset (%s)", r->op, r->path, where, wname,
                       h5_reason(why));
    int ndim = 0;
    int64_t shape[EM_MAX_DIMS];
    int rc = check_dataset(d, r, where, wname, &ndim, shape);
    if (!rc) rc = em_tensor_alloc(out, EM_FLOAT32, ndim, shape);
    if (!rc && em_numel(out) > 0 && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, em_f32(out)) < 0) {
        em_tensor_release(out);
        rc = em_fail("%s: %s: %s: cannot read weight '%s' (%s)", r->op, r->path, where, wname, h5_reason(why));
    }
    H5Dclose(d);
    return rc;
}

static void free_layer(em_h5_layer *l) {
    for (int i = 0; i < l->nweights; i++) {
        free(l->weight_names[i]);
        em_tensor_release(&l->weights[i]);
    }
    free(l->weight_names);
    free(l->weights);
    free(l->name);
}

void em_h5_weights_free(em_h5_weights *w) {
    for (int i = 0; i < w->nlayers; i++) free_layer(&w->layers[i]);
    free(w->layers);
    free(w->backend);
    free(w->keras_version);
    memset(w, 0, sizeof *w);
}

/* The layer group `name` of root into l (l->name already set). */
static int read_layer(hid_t root, const reader *r, em_h5_layer *l) {
    char where[MAX_NAME + 16], why[200];
    snprintf(where, sizeof where, "group '%s'", l->name);
    if (check_name(l->name, 1, r, "layer_names")) return -1;
    htri_t there = H5Lexists(root, l->name, r->gapl);
    if (there <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return em_fail("%s: %s: layer_names lists '%s' but the file has no such group", r->op, r->path, l->name);
    }
    if (is_external(root, l->name, r->gapl))
        return em_fail("%s: %s: %s is an external link to another file, which is not followed", r->op, r->path, where);
    hid_t g = H5Gopen2(root, l->name, r->gapl);
    if (g < 0) return em_fail("%s: %s: %s is not a readable group (%s)", r->op, r->path, where, h5_reason(why));
    strlist names = {0, NULL};
    int found = 0;
    int rc = read_list_attr(g, "weight_names", r, where, &names, &found);
    if (!rc && !found)
        rc = em_fail("%s: %s: %s has no attribute 'weight_names' (not a Keras weights file?)", r->op, r->path, where);
    if (!rc && names.n > 0) {
        l->weights = calloc((size_t)names.n, sizeof *l->weights);
        if (!l->weights) {
            strlist_free(&names);
            rc = em_fail("%s: out of memory", r->op);
        }
    }
    if (!rc) {
        /* The layer owns every name now; weights not read stay empty. */
        l->weight_names = names.items;
        l->nweights = names.n;
        for (int i = 0; i < names.n && !rc; i++) rc = read_weight(g, r, where, names.items[i], &l->weights[i]);
    }
    H5Gclose(g);
    return rc;
}

/* The group holding the weights: the root, or "model_weights" of a file
 * written by model.save (Keras's load_weights looks there too). */
static hid_t weights_group(hid_t file, const reader *r) {
    char why[200];
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    if (root < 0) { em_fail("%s: %s: cannot open the root group (%s)", r->op, r->path, h5_reason(why)); return -1; }
    int a = has_attr(root, "layer_names", r, "root"), a0 = a ? 0 : has_attr(root, "layer_names0", r, "root");
    if (a < 0 || a0 < 0) { H5Gclose(root); return -1; }
    if (a || a0) return root;
    htri_t mw = H5Lexists(root, "model_weights", r->gapl);
    H5Eclear2(H5E_DEFAULT);
    if (mw <= 0) { H5Gclose(root); return 0; }  /* 0: no weights group (ids are positive) */
    hid_t g = H5Gopen2(root, "model_weights", r->gapl);
    H5Gclose(root);
    if (g < 0) em_fail("%s: %s: cannot open group 'model_weights' (%s)", r->op, r->path, h5_reason(why));
    return g;
}

static int read_file(reader *r, em_h5_weights *out) {
    char why[200];
    if (H5Fget_filesize(r->file, &r->file_size) < 0)
        return em_fail("%s: %s: cannot read the file's size (%s)", r->op, r->path, h5_reason(why));
    hid_t root = weights_group(r->file, r);
    if (root < 0) return -1;
    if (root == 0)
        return em_fail("%s: %s: not a Keras weights file (the root has no attribute 'layer_names' and there is no "
                       "group 'model_weights')", r->op, r->path);
    strlist layers = {0, NULL};
    int found = 0;
    int rc = read_list_attr(root, "layer_names", r, "root", &layers, &found);
    if (!rc) rc = read_text_attr(root, "backend", r, &out->backend);
    if (!rc) rc = read_text_attr(root, "keras_version", r, &out->keras_version);
    if (!rc && layers.n > 0) {
        out->layers = calloc((size_t)layers.n, sizeof *out->layers);
        if (!out->layers) rc = em_fail("%s: out of memory", r->op);
    }
    for (int i = 0; i < layers.n; i++) {
        if (!rc) {
            out->layers[i].name = layers.items[i];
            out->nlayers = i + 1;
            rc = read_layer(root, r, &out->layers[i]);
        } else if (i >= out->nlayers) {
            free(layers.items[i]);
        }
    }
    free(layers.items);
    H5Gclose(root);
    return rc;
}

int em_h5_load_weights(const char *path, const char *op, em_h5_weights *out) {
    memset(out, 0, sizeof *out);
    unsigned char head[8];
    size_t got;
    if (em_read_prefix(path, op, head, sizeof head, &got)) return -1;
    if (!em_is_h5_prefix(head, got)) return em_fail("%s: %s: not an HDF5 file (no HDF5 signature at its start)", op, path);
    h5_quiet();
    char why[200];
    reader r = {.op = op, .path = path, .file = -1};
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* Closing the file closes every object still open in it. */
    if (fapl >= 0) H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    r.dapl = H5Pcreate(H5P_DATASET_ACCESS);
    r.gapl = H5Pcreate(H5P_GROUP_ACCESS);
    if (fapl < 0 || r.dapl < 0 || r.gapl < 0 || H5Pset_elink_cb(r.dapl, deny_external, NULL) < 0 ||
        H5Pset_elink_cb(r.gapl, deny_external, NULL) < 0) {
        close_id(fapl);
        close_id(r.dapl);
        close_id(r.gapl);
        return em_fail("%s: %s: libhdf5 cannot start (%s)", op, path, h5_reason(why));
    }
    r.file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    /* The reason first: every libhdf5 call clears the error stack. */
    int rc = r.file < 0 ? em_fail("%s: %s: not a readable HDF5 file (%s)", op, path, h5_reason(why)) : 0;
    H5Pclose(fapl);
    if (!rc) rc = read_file(&r, out);
    close_id(r.file);
    close_id(r.dapl);
    close_id(r.gapl);
    H5Eclear2(H5E_DEFAULT);
    if (rc) em_h5_weights_free(out);
    return rc;
}

/* ---- writing ---------------------------------------------------------------- */

typedef struct {
    const char *op, *path;
    hid_t file;
} writer;

/* A scalar or 1-D attribute of fixed-length byte strings, as h5py stores
 * numpy's 'S' dtype (NUL-padded, ASCII).  strings may be NULL for a scalar
 * (then text is the one value). */
static int write_strings(hid_t obj, const char *attr, const char *const *strings, hsize_t n, const char *text,
                         const writer *w) {
    char why[200];
    size_t size = 1;  /* numpy's itemsize: the longest string, at least 1 */
    for (hsize_t i = 0; i < n; i++) {
        size_t len = strlen(strings ? strings[i] : text);
        if (len > size) size = len;
    }
    char *buf = calloc(n ? n : 1, size);
    if (!buf) return em_fail("%s: out of memory", w->op);
    for (hsize_t i = 0; i < n; i++) memcpy(buf + i * size, strings ? strings[i] : text, strlen(strings ? strings[i] : text));
    hid_t type = H5Tcopy(H5T_C_S1);
    hid_t space = strings ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    int rc = -1;
    hid_t a = -1;
    if (type >= 0 && space >= 0 && H5Tset_size(type, size) >= 0 && H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0 &&
        (a = H5Acreate2(obj, attr, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0 && H5Awrite(a, type, buf) >= 0)
        rc = 0;
    else
        em_fail("%s: cannot write '%s': attribute '%s' (%s)", w->op, w->path, attr, h5_reason(why));
    close_id(a);
    close_id(space);
    close_id(type);
    free(buf);
    return rc;
}

/* Keras's save_attributes_to_hdf5_group: the list as one attribute, or,
 * when its numpy array would pass 64512 bytes, np.array_split into the
 * fewest chunks "<attr>0", "<attr>1", ... that each fit.  An empty list is
 * numpy's empty float64 array. */
static int write_list(hid_t obj, const char *attr, const char *const *items, int n, const writer *w) {
    char why[200];
    if (n == 0) {
        hsize_t zero = 0;
        hid_t space = H5Screate_simple(1, &zero, NULL);
        hid_t a = space < 0 ? -1 : H5Acreate2(obj, attr, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
        int rc = a < 0 ? em_fail("%s: cannot write '%s': attribute '%s' (%s)", w->op, w->path, attr, h5_reason(why)) : 0;
        close_id(a);
        close_id(space);
        return rc;
    }
    size_t size = 1;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(items[i]);
        if (len > OBJECT_HEADER_LIMIT)
            return em_fail("%s: cannot write '%s': a name in '%s' is longer than %d bytes", w->op, w->path, attr,
                           OBJECT_HEADER_LIMIT);
        if (len > size) size = len;
    }
    int chunks = 1;
    while ((size_t)((n + chunks - 1) / chunks) * size > OBJECT_HEADER_LIMIT) chunks++;
    if (chunks == 1) return write_strings(obj, attr, items, (hsize_t)n, NULL, w);
    /* np.array_split: the first n % chunks pieces get one more item.  Each
     * piece keeps the whole array's itemsize (numpy slices share the dtype):
     * write_strings sizes by its own longest name, so pad through a copy. */
    int at = 0;
    for (int k = 0; k < chunks; k++) {
        int len = n / chunks + (k < n % chunks);
        char name[128];
        snprintf(name, sizeof name, "%s%d", attr, k);
        char *buf = calloc((size_t)len ? (size_t)len : 1, size);
        hsize_t dim = (hsize_t)len;
        hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate_simple(1, &dim, NULL), a = -1;
        int rc = buf ? -1 : em_fail("%s: out of memory", w->op);
        if (buf) {
            for (int i = 0; i < len; i++) memcpy(buf + (size_t)i * size, items[at + i], strlen(items[at + i]));
            if (type >= 0 && space >= 0 && H5Tset_size(type, size) >= 0 && H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0 &&
                (a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0 && H5Awrite(a, type, buf) >= 0)
                rc = 0;
            else
                em_fail("%s: cannot write '%s': attribute '%s' (%s)", w->op, w->path, name, h5_reason(why));
        }
        close_id(a);
        close_id(space);
        close_id(type);
        free(buf);
        if (rc) return -1;
        at += len;
    }
    return 0;
}

static int write_weight(hid_t g, const char *lname, const char *wname, const em_tensor *t, const writer *w) {
    char why[200];
    if (t->dtype != EM_FLOAT32)
        return em_fail("%s: weight '%s' of layer '%s' is not float32", w->op, wname, lname);
    em_tensor c = {0};
    const em_tensor *src = t;
    if (!em_is_contiguous(t)) {
        if (em_tensor_clone(&c, t)) return -1;
        src = &c;
    }
    hsize_t dims[EM_MAX_DIMS];
    for (int i = 0; i < t->ndim; i++) dims[i] = (hsize_t)t->shape[i];
    hid_t space = t->ndim ? H5Screate_simple(t->ndim, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);  /* "dense_1/kernel:0" makes the group "dense_1" on the way */
    hid_t d = -1;
    int rc = -1;
    if (space >= 0 && lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0 &&
        (d = H5Dcreate2(g, wname, H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
        (em_numel(src) == 0 || H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, em_f32(src)) >= 0))
        rc = 0;
    else
        em_fail("%s: cannot write '%s': weight '%s' of layer '%s' (%s)", w->op, w->path, wname, lname, h5_reason(why));
    close_id(d);
    close_id(lcpl);
    close_id(space);
    em_tensor_release(&c);
    return rc;
}

static int check_out_name(const char *name, int is_layer, const writer *w) {
    reader r = {.op = w->op, .path = w->path};
    return check_name(name, is_layer, &r, is_layer ? "layer" : "weight");
}

static int write_layers(const writer *w, const em_h5_layer_in *layers, int n, const char *backend, const char *version) {
    char why[200];
    const char **names = malloc(sizeof(char *) * (size_t)(n ? n : 1));
    if (!names) return em_fail("%s: out of memory", w->op);
    for (int i = 0; i < n; i++) names[i] = layers[i].name;
    int rc = write_list(w->file, "layer_names", names, n, w);
    free(names);
    if (rc || write_strings(w->file, "backend", NULL, 1, backend, w) ||
        write_strings(w->file, "keras_version", NULL, 1, version, w))
        return -1;
    for (int i = 0; i < n; i++) {
        const em_h5_layer_in *l = &layers[i];
        if (check_out_name(l->name, 1, w)) return -1;
        hid_t g = H5Gcreate2(w->file, l->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            return em_fail("%s: cannot write '%s': group '%s' (%s; two layers with one name?)", w->op, w->path, l->name,
                           h5_reason(why));
        rc = write_list(g, "weight_names", (const char *const *)l->weight_names, l->nweights, w);
        for (int j = 0; j < l->nweights && !rc; j++)
            rc = check_out_name(l->weight_names[j], 0, w) ||
                 write_weight(g, l->name, l->weight_names[j], l->weights[j], w);
        H5Gclose(g);
        if (rc) return -1;
    }
    return 0;
}

int em_h5_save_weights(const char *path, const char *op, const em_h5_layer_in *layers, int nlayers,
                       const char *backend, const char *keras_version) {
    char tmp[4096], why[200];
    if (em_temp_path_for(path, op, tmp, sizeof tmp)) return -1;
    h5_quiet();
    writer w = {.op = op, .path = path};
    w.file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (w.file < 0) {
        em_fail("%s: cannot write '%s' (%s)", op, path, h5_reason(why));
        remove(tmp);
        return -1;
    }
    int rc = write_layers(&w, layers, nlayers, backend, keras_version);
    if (H5Fclose(w.file) < 0 && !rc) rc = em_fail("%s: cannot write '%s' (%s)", op, path, h5_reason(why));
    H5Eclear2(H5E_DEFAULT);
    if (rc) {
        remove(tmp);
        return -1;
    }
    return em_commit_temp(tmp, path, op);
}

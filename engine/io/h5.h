/* Keras 2 HDF5 weight files (model.save_weights("w.h5")), through libhdf5.
 *
 * The layout, as Keras 2.2's save_weights_to_hdf5_group writes it:
 *   root attributes  layer_names    every layer's name, in model order
 *                    backend        e.g. "tensorflow"
 *                    keras_version  e.g. "2.2.4"
 *   a group per layer, attribute weight_names (the weights' variable names,
 *   e.g. "dense_1/kernel:0"; an empty list for a layer without weights) and
 *   one dataset per name at that path inside the group
 *   ("/dense_1/dense_1/kernel:0").
 * A list attribute longer than 64512 bytes is split by Keras into
 * "<name>0", "<name>1", ...; both forms are read.  String attributes may be
 * fixed-length (numpy 'S', h5py 2) or variable-length (h5py 3).  A whole-
 * model file (model.save) keeps the same layout under "model_weights": it
 * is used when the root has no layer_names, as Keras's load_weights does.
 *
 * Reading accepts only that subset and says what it found otherwise:
 * float datasets of rank <= 8 stored contiguously or compactly (no chunks,
 * filters, external or virtual storage), whose stored bytes lie inside the
 * file; no external links.  Every libhdf5 failure becomes a message naming
 * the file, the group and what was wrong (libhdf5's own stderr printing is
 * turned off).  Writing goes to a temp file beside the target, then fsync,
 * rename and fsync of the folder (file_util.h). */
#ifndef EMBER_IO_H5_H
#define EMBER_IO_H5_H

#include "../core/tensor.h"

typedef struct {
    char *name;            /* the layer's group */
    int nweights;
    char **weight_names;   /* as its weight_names attribute lists them */
    em_tensor *weights;    /* float32, one per name */
} em_h5_layer;

typedef struct {
    char *backend;         /* NULL when the file has none */
    char *keras_version;   /* NULL when the file has none (Keras 1) */
    int nlayers;
    em_h5_layer *layers;   /* every name in layer_names, weights or not */
} em_h5_weights;

/* Read every layer's weights.  On success *out must be freed with
 * em_h5_weights_free; on failure nothing is left allocated. */
int em_h5_load_weights(const char *path, const char *op, em_h5_weights *out);
void em_h5_weights_free(em_h5_weights *w);

/* The same, with libhdf5 running in a fork()ed child process (h5_isolated.c):
 * libhdf5 1.10.8 crashes or hangs on some crafted files, and then only the
 * child dies (or is killed after a deadline) and this returns an error. */
int em_h5_load_weights_isolated(const char *path, const char *op, em_h5_weights *out);

/* One layer to write: its name, and its weights under their Keras names. */
typedef struct {
    const char *name;
    int nweights;
    const char *const *weight_names;
    const em_tensor *const *weights;  /* float32 */
} em_h5_layer_in;

/* Write the layers in Keras 2's layout (attributes as h5py 2 / numpy 'S'
 * writes them: fixed-length byte strings), atomically. */
int em_h5_save_weights(const char *path, const char *op, const em_h5_layer_in *layers, int nlayers,
                       const char *backend, const char *keras_version);

/* Whether the bytes start with the HDF5 signature (at offset 0, where
 * h5py and Keras put it). */
int em_is_h5_prefix(const unsigned char *b, size_t n);

#endif

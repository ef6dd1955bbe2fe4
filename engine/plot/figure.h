/* A figure as in matplotlib's pyplot, for the book's charts: one set of
 * axes with a title, axis labels, a legend and any number of series, each
 * drawn with a matplotlib format string ("bo" dots, "b" a line).  Saved as
 * PNG, SVG or PDF by the path's extension, drawn with PLplot's cairo
 * devices.
 *
 *   em_figure *fig = em_figure_new();
 *   em_figure_set_text(fig, EM_FIGURE_TITLE, "Training and validation loss");
 *   em_figure_add_series_copy(fig, epochs, loss, n, "bo", "Training loss");
 *   em_figure_add_series_copy(fig, epochs, val_loss, n, "b", "Validation loss");
 *   if (em_figure_save(fig, "loss.png") != 0) ... em_error() says why
 *   em_figure_free(fig);
 *
 * Every call returns 0 / -1 (or NULL) with an em_fail message; nothing
 * prints, exits or aborts, PLplot included (see render.c). */
#ifndef EMBER_PLOT_FIGURE_H
#define EMBER_PLOT_FIGURE_H

#include <stdint.h>

#include "style.h"

/* matplotlib's default figure: 6.4 x 4.8 inches at 100 dpi. */
#define EM_FIGURE_WIDTH 640
#define EM_FIGURE_HEIGHT 480
#define EM_FIGURE_MAX_SIDE 8192
#define EM_FIGURE_MAX_SERIES 64

typedef enum { EM_FIGURE_TITLE, EM_FIGURE_XLABEL, EM_FIGURE_YLABEL } em_figure_text;
typedef enum { EM_FORMAT_PNG, EM_FORMAT_SVG, EM_FORMAT_PDF } em_figure_format;

typedef struct {
    int64_t n;
    double *x, *y;   /* owned by the figure; non-finite points are gaps */
    em_style style;  /* colour resolved (cycle colour when the format had none) */
    char *label;     /* NULL: not in the legend */
} em_series;

typedef struct em_figure {
    char *text[3];   /* title, xlabel, ylabel; NULL when unset */
    int width, height;
    int legend;      /* -1 auto (when a series has a label), 0 off, 1 on */
    int nseries;
    em_series series[EM_FIGURE_MAX_SERIES];
} em_figure;

em_figure *em_figure_new(void);
void em_figure_free(em_figure *fig);

/* Set (copy) or clear (NULL) the title or an axis label. */
int em_figure_set_text(em_figure *fig, em_figure_text which, const char *text);

/* Size in pixels at matplotlib's 100 dpi, each in [64, 8192]: a PNG has exactly
 * these pixels; an SVG/PDF page is the same figure in points (x 0.72). */
int em_figure_set_size(em_figure *fig, int width, int height);

/* Append a series of n >= 1 points with buffers owned by the figure; the
 * caller fills *x and *y.  Fails on a bad style or n, leaving fig as it was. */
int em_figure_add_series(em_figure *fig, int64_t n, const char *style, const char *label, double **x,
                         double **y);

/* Append a series copying x and y (x NULL means 1, 2, ..., n). */
int em_figure_add_series_copy(em_figure *fig, const double *x, const double *y, int64_t n, const char *style,
                              const char *label);

/* The format the path's extension asks for (.png/.svg/.pdf, any case), or -1
 * with em_fail. */
int em_figure_format_of(const char *path);

/* Check that every series has at least one finite point. */
int em_figure_validate(const em_figure *fig);

/* Axis limits as matplotlib's autoscale makes them: the finite data's range
 * with 5% margins on each side. */
void em_figure_limits(const em_figure *fig, double *xmin, double *xmax, double *ymin, double *ymax);

/* Tick spacing for [lo, hi] as matplotlib's MaxNLocator picks it: the
 * first step of {1, 2, 2.5, 5} x 10^k at least (hi - lo) / nbins (matplotlib
 * uses nbins = 9 on a default-sized figure). */
double em_figure_tick_step(double lo, double hi, int nbins);

/* Draw and write the figure to path (format by extension).  The file is
 * either complete or removed. */
int em_figure_save(const em_figure *fig, const char *path);

#endif

/* The figure's data: series, texts, size, and the matplotlib-like choices
 * of axis limits and tick spacing.  Drawing lives in render.c. */
#include "figure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/error.h"

em_figure *em_figure_new(void) {
    em_figure *fig = calloc(1, sizeof *fig);
    if (!fig) {
        em_fail("em_figure_new: out of memory");
        return NULL;
    }
    fig->width = EM_FIGURE_WIDTH;
    fig->height = EM_FIGURE_HEIGHT;
    fig->legend = -1;
    return fig;
}

void em_figure_free(em_figure *fig) {
    if (!fig) return;
    for (int i = 0; i < 3; i++) free(fig->text[i]);
    for (int i = 0; i < fig->nseries; i++) {
        free(fig->series[i].x);
        free(fig->series[i].y);
        free(fig->series[i].label);
    }
    free(fig);
}

static char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

int em_figure_set_text(em_figure *fig, em_figure_text which, const char *text) {
    if ((int)which < 0 || which > EM_FIGURE_YLABEL) return em_fail("em_figure_set_text: unknown text %d", (int)which);
    char *copy = NULL;
    if (text && !(copy = copy_string(text))) return em_fail("em_figure_set_text: out of memory");
    free(fig->text[which]);
    fig->text[which] = copy;
    return 0;
}

int em_figure_set_size(em_figure *fig, int width, int height) {
    if (width < 64 || width > EM_FIGURE_MAX_SIDE || height < 64 || height > EM_FIGURE_MAX_SIDE)
        return em_fail("em_figure_set_size: %dx%d is outside 64..%d on a side", width, height, EM_FIGURE_MAX_SIDE);
    fig->width = width;
    fig->height = height;
    return 0;
}

int em_figure_add_series(em_figure *fig, int64_t n, const char *style, const char *label, double **x,
                         double **y) {
    if (fig->nseries >= EM_FIGURE_MAX_SERIES)
        return em_fail("em_figure_add_series: a figure holds at most %d series", EM_FIGURE_MAX_SERIES);
    if (n < 1) return em_fail("em_figure_add_series: series %d is empty", fig->nseries + 1);
    if ((uint64_t)n > SIZE_MAX / sizeof(double) / 2)
        return em_fail("em_figure_add_series: %lld points is too many", (long long)n);
    em_series s = {.n = n};
    if (em_style_parse(style, &s.style) != 0) return -1;
    /* matplotlib gives each line without a colour the next colour of the
     * cycle, counting every series drawn so far. */
    if (!s.style.has_color) em_style_cycle_color(fig->nseries, s.style.rgb);
    s.style.has_color = 1;
    s.x = malloc((size_t)n * sizeof(double));
    s.y = malloc((size_t)n * sizeof(double));
    s.label = label ? copy_string(label) : NULL;
    if (!s.x || !s.y || (label && !s.label)) {
        free(s.x);
        free(s.y);
        free(s.label);
        return em_fail("em_figure_add_series: out of memory for %lld points", (long long)n);
    }
    fig->series[fig->nseries++] = s;
    *x = s.x;
    *y = s.y;
    return 0;
}

int em_figure_add_series_copy(em_figure *fig, const double *x, const double *y, int64_t n, const char *style,
                              const char *label) {
    if (!y) return em_fail("em_figure_add_series_copy: no y values");
    double *sx, *sy;
    if (em_figure_add_series(fig, n, style, label, &sx, &sy) != 0) return -1;
    for (int64_t i = 0; i < n; i++) sx[i] = x ? x[i] : (double)(i + 1);
    memcpy(sy, y, (size_t)n * sizeof(double));
    return 0;
}

int em_figure_format_of(const char *path) {
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && strchr(dot, '/') == NULL) {
        if (strcasecmp(dot, ".png") == 0) return EM_FORMAT_PNG;
        if (strcasecmp(dot, ".svg") == 0) return EM_FORMAT_SVG;
        if (strcasecmp(dot, ".pdf") == 0) return EM_FORMAT_PDF;
    }
    return em_fail("em_figure_save: file '%s' has no .png, .svg or .pdf extension", path ? path : "(null)");
}

static int has_finite_point(const em_series *s) {
    for (int64_t i = 0; i < s->n; i++)
        if (isfinite(s->x[i]) && isfinite(s->y[i])) return 1;
    return 0;
}

int em_figure_validate(const em_figure *fig) {
    if (fig->nseries == 0) return em_fail("em_figure_save: the figure has no series to draw");
    for (int i = 0; i < fig->nseries; i++) {
        const em_series *s = &fig->series[i];
        if (!has_finite_point(s))
            return em_fail("em_figure_save: series %d%s%s%s has no finite point (all %lld are NaN or infinite)", i + 1,
                           s->label ? " ('" : "", s->label ? s->label : "", s->label ? "')" : "", (long long)s->n);
    }
    return 0;
}

/* matplotlib's nonsingular(): widen a zero-width range around its value. */
static void widen_if_flat(double *lo, double *hi) {
    if (*hi - *lo > 1e-12 * fmax(fabs(*lo), fabs(*hi))) return;
    if (*hi == 0.0) {
        *lo = -0.05;
        *hi = 0.05;
    } else {
        *lo -= 0.05 * fabs(*lo);
        *hi += 0.05 * fabs(*hi);
    }
}

static void with_margins(double *lo, double *hi) {
    widen_if_flat(lo, hi);
    double pad = 0.05 * (*hi - *lo);
    *lo -= pad;
    *hi += pad;
}

void em_figure_limits(const em_figure *fig, double *xmin, double *xmax, double *ymin, double *ymax) {
    *xmin = *ymin = INFINITY;
    *xmax = *ymax = -INFINITY;
    for (int i = 0; i < fig->nseries; i++) {
        const em_series *s = &fig->series[i];
        for (int64_t k = 0; k < s->n; k++) {
            double x = s->x[k], y = s->y[k];
            if (!isfinite(x) || !isfinite(y)) continue;
            *xmin = fmin(*xmin, x);
            *xmax = fmax(*xmax, x);
            *ymin = fmin(*ymin, y);
            *ymax = fmax(*ymax, y);
        }
    }
    if (!isfinite(*xmin)) *xmin = *xmax = *ymin = *ymax = 0.0;  /* validate() rejects this earlier */
    with_margins(xmin, xmax);
    with_margins(ymin, ymax);
}

double em_figure_tick_step(double lo, double hi, int nbins) {
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span)) return 1.0;
    if (nbins < 1) nbins = 1;
    /* MaxNLocator: the first "nice" step at least span / nbins. */
    static const double STEPS[] = {1.0, 2.0, 2.5, 5.0, 10.0};
    double raw = span / nbins;
    double scale = pow(10.0, floor(log10(raw)));
    for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++)
        if (STEPS[i] * scale >= raw * (1 - 1e-9)) return STEPS[i] * scale;
    return 10.0 * scale;
}

/* em_figure_save: draws a figure with PLplot's cairo devices (pngcairo,
 * svgcairo, pdfcairo), sized and styled like matplotlib 2's defaults.
 *
 * PLplot was written for programs that own the terminal: on trouble it
 * prints, prompts on stdin for another device or file name, or calls exit().
 * Ember must do none of that, so every save runs inside a guard (guard.c):
 * an exit handler that jumps back here, an abort handler that records the
 * message, stdin/stdout/stderr pointed away from the terminal, and the
 * stream always ended.  PLplot keeps global state, so saves do not nest.
 *
 * Units: a figure's size is given in pixels at matplotlib's 100 dpi.  The
 * PNG device draws in pixels, so a point (matplotlib's unit for fonts and
 * lines) is 100/72 device units and a 640x480 figure is a 640x480 PNG.  The
 * SVG and PDF devices draw in points, so the page is 72/100 of the pixel
 * size (460.8 x 345.6 pt, matplotlib's default) and a point is one unit. */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "figure.h"
#include "guard.h"

#define DPI 100.0

/* matplotlib rcParams (points), scaled to device pixels below. */
#define FONT_PT 10.0          /* font.size: ticks, axis labels, legend */
#define TITLE_PT 12.0         /* axes.titlesize "large" */
#define LINE_PT 1.5           /* lines.linewidth */
#define AXES_LINE_PT 0.8      /* axes.linewidth */
#define MARKER_PT 6.0         /* lines.markersize (diameter) */
#define TICK_PT 3.5           /* xtick.major.size */
#define NBINS 9               /* MaxNLocator "auto" on a default figure */

/* PLplot's character height is smaller than the font size it asks cairo
 * for; this makes its digits as tall as matplotlib's at the same size. */
#define PLPLOT_CHAR_PER_FONT 0.72

/* subplot parameters: figure.subplot.left/right/bottom/top */
static const double VP_LEFT = 0.125, VP_RIGHT = 0.9, VP_BOTTOM = 0.11, VP_TOP = 0.88;

enum { COL_BG = 0, COL_FG = 1, COL_LEGEND_EDGE = 2, COL_LEGEND_BG = 3, COL_SERIES = 4 };

typedef struct {
    const em_figure *fig;
    double xmin, xmax, ymin, ymax;
    double xstep, ystep;
    double units_per_pt; /* device units ("px" below) per point */
    double page_w, page_h; /* page size in device units */
    double mm_per_px;   /* PLplot measures in mm; we think in device units */
    double vp_w_px, vp_h_px;
    int ylabel_chars;   /* widest y tick label, to place the y axis label */
    /* Texts with PLplot's escape character doubled ("#" starts an escape
     * such as "#u" superscript; a user's "Run #1" must print as written). */
    char *text[3];
    char *label[EM_FIGURE_MAX_SERIES];
} layout;

/* ---- tick labels, formatted like matplotlib's ScalarFormatter ---------- */

static int decimals_for(double step) {
    for (int d = 0; d < 10; d++) {
        double s = step * pow(10.0, d);
        if (fabs(s - round(s)) < 1e-6 * s) return d;
    }
    return 10;
}

static void format_tick(double value, double step, char *buf, size_t size) {
    if (fabs(value) < 1e-9 * step) value = 0.0;
    char digits[64];
    if (fabs(value) >= 1e6 || step < 1e-5) snprintf(digits, sizeof digits, "%g", fabs(value));
    else snprintf(digits, sizeof digits, "%.*f", decimals_for(step), fabs(value));
    /* matplotlib writes negative numbers with a true minus sign (U+2212). */
    snprintf(buf, size, "%s%s", value < 0 ? "\xe2\x88\x92" : "", digits);
}

static int utf8_chars(const char *s) {
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void tick_label(PLINT axis, PLFLT value, char *label, PLINT length, PLPointer data) {
    layout *lay = data;
    format_tick(value, axis == PL_Y_AXIS ? lay->ystep : lay->xstep, label, (size_t)length);
    if (axis == PL_Y_AXIS && utf8_chars(label) > lay->ylabel_chars) lay->ylabel_chars = utf8_chars(label);
}

/* ---- page, axes and text ------------------------------------------------ */

static double px_to_mm(const layout *lay, double px) { return px * lay->mm_per_px; }

static void set_font_pt(const layout *lay, double pt) {
    plschr(px_to_mm(lay, pt * lay->units_per_pt * PLPLOT_CHAR_PER_FONT), 1.0);
}

static void set_width_pt(const layout *lay, double pt) { plwidth(pt * lay->units_per_pt); }

static void setup_page(layout *lay) {
    pladv(0);
    PLFLT xmin_mm, xmax_mm, ymin_mm, ymax_mm;
    plgspa(&xmin_mm, &xmax_mm, &ymin_mm, &ymax_mm);
    lay->mm_per_px = (xmax_mm - xmin_mm) / lay->page_w;
    lay->vp_w_px = (VP_RIGHT - VP_LEFT) * lay->page_w;
    lay->vp_h_px = (VP_TOP - VP_BOTTOM) * lay->page_h;
    plvpor(VP_LEFT, VP_RIGHT, VP_BOTTOM, VP_TOP);
    plwind(lay->xmin, lay->xmax, lay->ymin, lay->ymax);
}

static void draw_axes(layout *lay) {
    plcol0(COL_FG);
    pllsty(1);
    set_width_pt(lay, AXES_LINE_PT);
    set_font_pt(lay, FONT_PT);
    plsmaj(px_to_mm(lay, TICK_PT * lay->units_per_pt), 1.0);
    plslabelfunc(tick_label, lay);
    /* matplotlib 2: a frame on four sides, outward ticks on bottom and left
     * only, horizontal y tick labels, no minor ticks. */
    plbox("bnoit", lay->xstep, 0, "bnoitv", lay->ystep, 0);
    plbox("c", 0, 0, "c", 0, 0);
    plslabelfunc(NULL, NULL);
}

static void draw_texts(const layout *lay) {
    plcol0(COL_FG);
    set_font_pt(lay, FONT_PT);
    if (lay->text[EM_FIGURE_XLABEL]) plmtex("b", 3.5, 0.5, 0.5, lay->text[EM_FIGURE_XLABEL]);
    if (lay->text[EM_FIGURE_YLABEL]) {
        /* Clear the widest tick label, as matplotlib does. */
        double disp = 2.0 + 0.7 * lay->ylabel_chars;
        plmtex("l", disp, 0.5, 0.5, lay->text[EM_FIGURE_YLABEL]);
    }
    if (lay->text[EM_FIGURE_TITLE]) {
        set_font_pt(lay, TITLE_PT);
        plmtex("t", 1.0, 0.5, 0.5, lay->text[EM_FIGURE_TITLE]);
    }
}

/* ---- series ------------------------------------------------------------- */

static void set_dashes(const layout *lay, em_linestyle line) {
    /* matplotlib's dash patterns, in multiples of the line width. */
    double lw_um = px_to_mm(lay, LINE_PT * lay->units_per_pt) * 1000.0;
    PLINT mark[2], space[2];
    switch (line) {
    case EM_LINE_DASHED:
        mark[0] = (PLINT)(3.7 * lw_um); space[0] = (PLINT)(1.6 * lw_um);
        plstyl(1, mark, space);
        break;
    case EM_LINE_DOTTED:
        mark[0] = (PLINT)(1.0 * lw_um); space[0] = (PLINT)(1.65 * lw_um);
        plstyl(1, mark, space);
        break;
    case EM_LINE_DASHDOT:
        mark[0] = (PLINT)(6.4 * lw_um); space[0] = (PLINT)(1.6 * lw_um);
        mark[1] = (PLINT)(1.0 * lw_um); space[1] = (PLINT)(1.6 * lw_um);
        plstyl(2, mark, space);
        break;
    default:
        pllsty(1);
        break;
    }
}

/* Lines break at non-finite points, as in matplotlib. */
static void draw_line(const em_series *s) {
    int64_t start = 0;
    while (start < s->n) {
        while (start < s->n && !(isfinite(s->x[start]) && isfinite(s->y[start]))) start++;
        int64_t end = start;
        while (end < s->n && isfinite(s->x[end]) && isfinite(s->y[end])) end++;
        /* plline takes a PLINT count: draw long runs in chunks that share
         * their end points. */
        for (int64_t a = start; end - a > 1;) {
            int64_t len = end - a > 1000000 ? 1000000 : end - a;
            plline((PLINT)len, s->x + a, s->y + a);
            a += len - 1;
        }
        start = end;
    }
}

static void polygon(double x, double y, double rx, double ry, const double (*shape)[2], int n) {
    PLFLT px[8], py[8];
    for (int i = 0; i < n; i++) {
        px[i] = x + rx * shape[i][0];
        py[i] = y + ry * shape[i][1];
    }
    plfill(n, px, py);
}

static void draw_marker(em_marker marker, double x, double y, double rx, double ry) {
    static const double SQUARE[4][2] = {{-0.8, -0.8}, {0.8, -0.8}, {0.8, 0.8}, {-0.8, 0.8}};
    static const double TRI_UP[3][2] = {{0, 1}, {-0.87, -0.5}, {0.87, -0.5}};
    static const double TRI_DOWN[3][2] = {{0, -1}, {-0.87, 0.5}, {0.87, 0.5}};
    static const double DIAMOND[4][2] = {{0, 1}, {0.7, 0}, {0, -1}, {-0.7, 0}};
    switch (marker) {
    case EM_MARKER_CIRCLE: plarc(x, y, rx, ry, 0, 360, 0, 1); break;
    case EM_MARKER_POINT: plarc(x, y, rx * 0.5, ry * 0.5, 0, 360, 0, 1); break;
    case EM_MARKER_SQUARE: polygon(x, y, rx, ry, SQUARE, 4); break;
    case EM_MARKER_TRI_UP: polygon(x, y, rx, ry, TRI_UP, 3); break;
    case EM_MARKER_TRI_DOWN: polygon(x, y, rx, ry, TRI_DOWN, 3); break;
    case EM_MARKER_DIAMOND: polygon(x, y, rx, ry, DIAMOND, 4); break;
    case EM_MARKER_PLUS:
        pljoin(x - rx, y, x + rx, y);
        pljoin(x, y - ry, x, y + ry);
        break;
    case EM_MARKER_CROSS:
        pljoin(x - rx, y - ry, x + rx, y + ry);
        pljoin(x - rx, y + ry, x + rx, y - ry);
        break;
    default: break;
    }
}

static void draw_markers(const layout *lay, const em_series *s) {
    double r_px = MARKER_PT * lay->units_per_pt / 2.0;
    double rx = r_px * (lay->xmax - lay->xmin) / lay->vp_w_px;
    double ry = r_px * (lay->ymax - lay->ymin) / lay->vp_h_px;
    pllsty(1);
    for (int64_t i = 0; i < s->n; i++) {
        double x = s->x[i], y = s->y[i];
        if (!isfinite(x) || !isfinite(y)) continue;
        if (x < lay->xmin || x > lay->xmax || y < lay->ymin || y > lay->ymax) continue;
        draw_marker(s->style.marker, x, y, rx, ry);
    }
}

static void draw_series(const layout *lay) {
    const em_figure *fig = lay->fig;
    for (int i = 0; i < fig->nseries; i++) {
        const em_series *s = &fig->series[i];
        plscol0a(COL_SERIES + i, s->style.rgb[0], s->style.rgb[1], s->style.rgb[2], 1.0);
        plcol0(COL_SERIES + i);
        set_width_pt(lay, LINE_PT);
        if (s->style.line != EM_LINE_NONE) {
            set_dashes(lay, s->style.line);
            draw_line(s);
        }
        if (s->style.marker != EM_MARKER_NONE) {
            set_width_pt(lay, 1.0);
            draw_markers(lay, s);
        }
    }
    pllsty(1);
}

/* ---- legend ------------------------------------------------------------- */

typedef struct {
    PLINT position;
    double u0, v0, u1, v1;  /* box in normalized viewport coordinates */
} legend_spot;

/* How much of the data a legend box at spot would hide: vertices, plus
 * points along each line segment, inside the box (matplotlib's "best"). */
static int64_t covered(const layout *lay, const legend_spot *spot) {
    const em_figure *fig = lay->fig;
    double sx = 1.0 / (lay->xmax - lay->xmin), sy = 1.0 / (lay->ymax - lay->ymin);
    int64_t hits = 0;
    for (int i = 0; i < fig->nseries; i++) {
        const em_series *s = &fig->series[i];
        int samples = (s->style.line != EM_LINE_NONE && s->n < 5000) ? 8 : 1;
        for (int64_t k = 0; k < s->n; k++) {
            for (int j = 0; j < samples; j++) {
                double t = (double)j / samples;
                double x = s->x[k], y = s->y[k];
                if (j > 0) {
                    if (k + 1 >= s->n) break;
                    x += t * (s->x[k + 1] - x);
                    y += t * (s->y[k + 1] - y);
                }
                if (!isfinite(x) || !isfinite(y)) continue;
                double u = (x - lay->xmin) * sx, v = (y - lay->ymin) * sy;
                hits += u >= spot->u0 && u <= spot->u1 && v >= spot->v0 && v <= spot->v1;
            }
        }
    }
    return hits;
}

static PLINT best_position(const layout *lay, double w, double h, double pad_u, double pad_v) {
    /* matplotlib's order of preference for loc="best". */
    static const PLINT CANDIDATES[] = {
        PL_POSITION_TOP | PL_POSITION_RIGHT,    PL_POSITION_TOP | PL_POSITION_LEFT,
        PL_POSITION_BOTTOM | PL_POSITION_LEFT,  PL_POSITION_BOTTOM | PL_POSITION_RIGHT,
        PL_POSITION_RIGHT,                      PL_POSITION_LEFT,
        PL_POSITION_BOTTOM,                     PL_POSITION_TOP,
    };
    PLINT best = CANDIDATES[0];
    int64_t best_hits = -1;
    for (size_t c = 0; c < sizeof CANDIDATES / sizeof CANDIDATES[0]; c++) {
        PLINT p = CANDIDATES[c];
        legend_spot spot = {p, 0, 0, 0, 0};
        spot.u0 = (p & PL_POSITION_LEFT) ? pad_u : (p & PL_POSITION_RIGHT) ? 1 - pad_u - w : 0.5 - w / 2;
        spot.v0 = (p & PL_POSITION_BOTTOM) ? pad_v : (p & PL_POSITION_TOP) ? 1 - pad_v - h : 0.5 - h / 2;
        spot.u1 = spot.u0 + w;
        spot.v1 = spot.v0 + h;
        int64_t hits = covered(lay, &spot);
        if (best_hits < 0 || hits < best_hits) {
            best = p;
            best_hits = hits;
        }
    }
    return best;
}

/* pllegend draws PLplot's built-in patterns only; pick the closest. */
static PLINT legend_line_style(em_linestyle line) {
    switch (line) {
    case EM_LINE_DASHED: return 3;   /* long dashes */
    case EM_LINE_DOTTED: return 2;   /* short dashes, short gaps */
    case EM_LINE_DASHDOT: return 5;  /* long dash, short dash */
    default: return 1;
    }
}

static void draw_legend(const layout *lay) {
    const em_figure *fig = lay->fig;
    PLINT opts[EM_FIGURE_MAX_SERIES], text_colors[EM_FIGURE_MAX_SERIES], colors[EM_FIGURE_MAX_SERIES];
    PLINT styles[EM_FIGURE_MAX_SERIES], counts[EM_FIGURE_MAX_SERIES];
    PLFLT widths[EM_FIGURE_MAX_SERIES], scales[EM_FIGURE_MAX_SERIES];
    const char *texts[EM_FIGURE_MAX_SERIES], *symbols[EM_FIGURE_MAX_SERIES];
    int n = 0, longest = 0;
    for (int i = 0; i < fig->nseries; i++) {
        const em_series *s = &fig->series[i];
        if (!s->label) continue;
        opts[n] = (s->style.line != EM_LINE_NONE ? PL_LEGEND_LINE : 0) |
                  (s->style.marker != EM_MARKER_NONE ? PL_LEGEND_SYMBOL : 0);
        text_colors[n] = COL_FG;
        colors[n] = COL_SERIES + i;
        styles[n] = legend_line_style(s->style.line);
        widths[n] = LINE_PT * lay->units_per_pt;
        counts[n] = 1;  /* matplotlib 2 shows one marker per entry */
        scales[n] = s->style.marker == EM_MARKER_POINT ? 0.6 : 0.8;
        texts[n] = lay->label[i];
        symbols[n] = em_marker_glyph(s->style.marker);
        if (utf8_chars(s->label) > longest) longest = utf8_chars(s->label);
        n++;
    }
    if (n == 0) return;
    /* matplotlib legend geometry, in font sizes: handle 2, gap 0.8, row
     * 1 + 0.5 spacing, border pad 0.4, 0.5 from the axes.  Text width is
     * estimated (DejaVu Sans averages about 0.6 em per character). */
    double em_px = FONT_PT * lay->units_per_pt;
    double handle_u = 2.0 * em_px / lay->vp_w_px;
    double w = (em_px * (0.4 + 2.0 + 0.8 + 0.6 * longest + 0.4)) / lay->vp_w_px;
    double h = em_px * (n + 0.5 * (n - 1) + 0.8) / lay->vp_h_px;
    double pad_u = 0.5 * em_px / lay->vp_w_px, pad_v = 0.5 * em_px / lay->vp_h_px;
    PLINT position = PL_POSITION_VIEWPORT | PL_POSITION_INSIDE | best_position(lay, w, h, pad_u, pad_v);
    set_font_pt(lay, FONT_PT);
    set_width_pt(lay, AXES_LINE_PT);
    pllsty(1);
    PLFLT legend_w, legend_h;
    pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position, pad_u, pad_v,
             handle_u, COL_LEGEND_BG, COL_LEGEND_EDGE, 1, n, 1, n, opts, 1.0, 1.0, 2.0, 0.0, text_colors, texts,
             NULL, NULL, NULL, NULL, colors, styles, widths, colors, scales, counts, symbols);
}

/* ---- the whole figure --------------------------------------------------- */

static void set_colors(void) {
    plscmap0n(COL_SERIES + EM_FIGURE_MAX_SERIES);
    plscol0a(COL_BG, 255, 255, 255, 1.0);
    plscol0a(COL_FG, 0, 0, 0, 1.0);
    plscol0a(COL_LEGEND_EDGE, 204, 204, 204, 1.0);  /* legend.edgecolor 0.8 */
    plscol0a(COL_LEGEND_BG, 255, 255, 255, 0.8);    /* legend.framealpha 0.8 */
}

/* Runs inside the guard, between plinit and plend1. */
static void draw(void *data) {
    layout *lay = data;
    set_colors();
    setup_page(lay);
    draw_series(lay);
    draw_axes(lay);
    draw_texts(lay);
    if (lay->fig->legend != 0) draw_legend(lay);
}

static const char *const DEVICES[] = {"pngcairo", "svgcairo", "pdfcairo"};

/* A malloc'ed copy of s with every '#' doubled; NULL for NULL. */
static char *plplot_escape(const char *s, int *failed) {
    if (!s) return NULL;
    size_t n = strlen(s), hashes = 0;
    for (size_t i = 0; i < n; i++) hashes += s[i] == '#';
    char *out = malloc(n + hashes + 1);
    if (!out) {
        *failed = 1;
        return NULL;
    }
    char *w = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '#') *w++ = '#';
        *w++ = s[i];
    }
    *w = '\0';
    return out;
}

static void free_texts(layout *lay) {
    for (int i = 0; i < 3; i++) free(lay->text[i]);
    for (int i = 0; i < EM_FIGURE_MAX_SERIES; i++) free(lay->label[i]);
}

static int escape_texts(layout *lay) {
    int failed = 0;
    for (int i = 0; i < 3; i++) lay->text[i] = plplot_escape(lay->fig->text[i], &failed);
    for (int i = 0; i < lay->fig->nseries; i++) lay->label[i] = plplot_escape(lay->fig->series[i].label, &failed);
    if (!failed) return 0;
    free_texts(lay);
    return em_fail("em_figure_save: out of memory");
}

int em_figure_save(const em_figure *fig, const char *path) {
    if (!fig) return em_fail("em_figure_save: no figure");
    int format = em_figure_format_of(path);
    if (format < 0) return -1;
    if (em_figure_validate(fig) != 0) return -1;
    layout lay = {.fig = fig};
    em_figure_limits(fig, &lay.xmin, &lay.xmax, &lay.ymin, &lay.ymax);
    lay.xstep = em_figure_tick_step(lay.xmin, lay.xmax, NBINS);
    lay.ystep = em_figure_tick_step(lay.ymin, lay.ymax, NBINS);
    if (escape_texts(&lay) != 0) return -1;
    /* PNG in pixels; SVG/PDF in points: the same figure at 100 dpi. */
    double units_per_px = format == EM_FORMAT_PNG ? 1.0 : 72.0 / DPI;
    lay.units_per_pt = DPI / 72.0 * units_per_px;
    lay.page_w = round(fig->width * units_per_px);
    lay.page_h = round(fig->height * units_per_px);
    em_plot_page page = {.device = DEVICES[format], .path = path, .width = (int)lay.page_w,
                         .height = (int)lay.page_h};
    int rc = em_plot_guarded(&page, draw, &lay);
    free_texts(&lay);
    return rc;
}

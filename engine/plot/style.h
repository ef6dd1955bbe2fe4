/* matplotlib format strings ("bo", "b", "r--", "g^-", "C1:") parsed into a
 * drawing style.  The book's figures use "bo" (blue dots) for training
 * curves and "b" (a blue line) for validation curves; this is the same
 * mini-language, so a reader can copy the book's strings unchanged. */
#ifndef EMBER_PLOT_STYLE_H
#define EMBER_PLOT_STYLE_H

typedef enum {
    EM_MARKER_NONE = 0,
    EM_MARKER_CIRCLE,   /* 'o' */
    EM_MARKER_POINT,    /* '.' */
    EM_MARKER_SQUARE,   /* 's' */
    EM_MARKER_TRI_UP,   /* '^' */
    EM_MARKER_TRI_DOWN, /* 'v' */
    EM_MARKER_DIAMOND,  /* 'D' */
    EM_MARKER_PLUS,     /* '+' */
    EM_MARKER_CROSS     /* 'x' */
} em_marker;

typedef enum {
    EM_LINE_NONE = 0,
    EM_LINE_SOLID,      /* '-'  */
    EM_LINE_DASHED,     /* '--' */
    EM_LINE_DOTTED,     /* ':'  */
    EM_LINE_DASHDOT     /* '-.' */
} em_linestyle;

typedef struct {
    int has_color;          /* 0: take the next colour of the default cycle */
    unsigned char rgb[3];
    em_marker marker;
    em_linestyle line;
} em_style;

/* Parse fmt (NULL or "" means a solid line in the cycle colour).  As in
 * matplotlib: a marker without a line style draws markers only; neither
 * draws a solid line.  Returns 0, or -1 with em_fail naming the bad part. */
int em_style_parse(const char *fmt, em_style *out);

/* The colour matplotlib 2 gives the index-th line without an explicit
 * colour (the "tab10" cycle C0, C1, ...). */
void em_style_cycle_color(int index, unsigned char rgb[3]);

/* The glyph that stands for a marker in a legend (UTF-8), "" for none. */
const char *em_marker_glyph(em_marker marker);

#endif

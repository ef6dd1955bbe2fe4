/* matplotlib format strings -> em_style.  Colours are matplotlib's: the
 * single letters are its BASE_COLORS ('b' is pure blue, as in the book's
 * figures), "C0".."C9" and the default cycle are the tab10 palette. */
#include "style.h"

#include <string.h>

#include "../core/error.h"

static const unsigned char TAB10[10][3] = {
    {0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c}, {0xd6, 0x27, 0x28},
    {0x94, 0x67, 0xbd}, {0x8c, 0x56, 0x4b}, {0xe3, 0x77, 0xc2}, {0x7f, 0x7f, 0x7f},
    {0xbc, 0xbd, 0x22}, {0x17, 0xbe, 0xcf},
};

static int base_color(char c, unsigned char rgb[3]) {
    static const struct { char letter; unsigned char rgb[3]; } BASE[] = {
        {'b', {0, 0, 255}},   {'g', {0, 128, 0}},   {'r', {255, 0, 0}},   {'c', {0, 191, 191}},
        {'m', {191, 0, 191}}, {'y', {191, 191, 0}}, {'k', {0, 0, 0}},      {'w', {255, 255, 255}},
    };
    for (size_t i = 0; i < sizeof BASE / sizeof BASE[0]; i++) {
        if (BASE[i].letter == c) {
            memcpy(rgb, BASE[i].rgb, 3);
            return 1;
        }
    }
    return 0;
}

static em_marker marker_of(char c) {
    switch (c) {
    case 'o': return EM_MARKER_CIRCLE;
    case '.': return EM_MARKER_POINT;
    case 's': return EM_MARKER_SQUARE;
    case '^': return EM_MARKER_TRI_UP;
    case 'v': return EM_MARKER_TRI_DOWN;
    case 'D': return EM_MARKER_DIAMOND;
    case '+': return EM_MARKER_PLUS;
    case 'x': return EM_MARKER_CROSS;
    default: return EM_MARKER_NONE;
    }
}

/* Length of the line-style token at s (0 if none) and its style. */
static int line_token(const char *s, em_linestyle *line) {
    if (strncmp(s, "--", 2) == 0) { *line = EM_LINE_DASHED; return 2; }
    if (strncmp(s, "-.", 2) == 0) { *line = EM_LINE_DASHDOT; return 2; }
    if (s[0] == '-') { *line = EM_LINE_SOLID; return 1; }
    if (s[0] == ':') { *line = EM_LINE_DOTTED; return 1; }
    return 0;
}

static int style_error(const char *fmt, const char *why, char what) {
    return em_fail("%s '%c' in style \"%s\" (expected a colour of bgrcmykw or C0-C9, a marker of "
                   "o.s^vD+x and a line of - -- : -.)", why, what, fmt);
}

int em_style_parse(const char *fmt, em_style *out) {
    memset(out, 0, sizeof *out);
    if (!fmt) fmt = "";
    int has_line = 0;
    for (const char *s = fmt; *s;) {
        em_linestyle line;
        int len = line_token(s, &line);
        if (len > 0) {
            if (has_line) return style_error(fmt, "a second line style", *s);
            out->line = line;
            has_line = 1;
            s += len;
        } else if (s[0] == 'C' && s[1] >= '0' && s[1] <= '9') {
            if (out->has_color) return style_error(fmt, "a second colour", *s);
            memcpy(out->rgb, TAB10[s[1] - '0'], 3);
            out->has_color = 1;
            s += 2;
        } else if (base_color(*s, out->rgb)) {
            if (out->has_color) return style_error(fmt, "a second colour", *s);
            out->has_color = 1;
            s++;
        } else if (marker_of(*s) != EM_MARKER_NONE) {
            if (out->marker != EM_MARKER_NONE) return style_error(fmt, "a second marker", *s);
            out->marker = marker_of(*s);
            s++;
        } else {
            return style_error(fmt, "unknown character", *s);
        }
    }
    /* matplotlib: "bo" is markers only, "b" (or "") a solid line. */
    if (!has_line && out->marker == EM_MARKER_NONE) out->line = EM_LINE_SOLID;
    return 0;
}

void em_style_cycle_color(int index, unsigned char rgb[3]) {
    if (index < 0) index = 0;
    memcpy(rgb, TAB10[index % 10], 3);
}

const char *em_marker_glyph(em_marker marker) {
    switch (marker) {
    case EM_MARKER_CIRCLE: return "\xe2\x97\x8f";   /* U+25CF black circle */
    case EM_MARKER_POINT: return "\xe2\x80\xa2";    /* U+2022 bullet */
    case EM_MARKER_SQUARE: return "\xe2\x96\xa0";   /* U+25A0 black square */
    case EM_MARKER_TRI_UP: return "\xe2\x96\xb2";   /* U+25B2 */
    case EM_MARKER_TRI_DOWN: return "\xe2\x96\xbc"; /* U+25BC */
    case EM_MARKER_DIAMOND: return "\xe2\x97\x86";  /* U+25C6 */
    case EM_MARKER_PLUS: return "+";
    case EM_MARKER_CROSS: return "\xc3\x97";        /* U+00D7 multiplication sign */
    default: return "";
    }
}

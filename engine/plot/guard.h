/* Running PLplot safely inside a library.
 *
 * PLplot prints warnings to stderr, prompts on stdin when a device or file
 * is missing, and calls exit() on fatal errors; it also keeps global state
 * (the current stream, the exit/abort handlers).  em_plot_guarded opens a
 * fresh stream on an output file we opened ourselves, runs draw() between
 * plinit and plend1, and guarantees:
 *   - no exit: PLplot's exit handler long-jumps back and the save fails;
 *   - no terminal chatter: fds 0/1/2 are pointed at /dev/null and a
 *     temporary file while PLplot runs; what it said ends up in the error;
 *   - the stream is always ended and the previous current stream restored;
 *   - no nesting: a second call while one runs fails cleanly;
 *   - the output file is complete or removed. */
#ifndef EMBER_PLOT_GUARD_H
#define EMBER_PLOT_GUARD_H

typedef struct {
    const char *device;  /* "pngcairo", "svgcairo", "pdfcairo" */
    const char *path;
    int width, height;   /* device pixels (points for vector devices) */
} em_plot_page;

/* Returns 0, or -1 with em_fail ("em_figure_save: ..."). */
int em_plot_guarded(const em_plot_page *page, void (*draw)(void *data), void *data);

/* Whether PLplot has this output device (its driver is installed). */
int em_plot_has_device(const char *device);

#endif

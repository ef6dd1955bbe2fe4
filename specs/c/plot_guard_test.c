/* C-level check of engine/plot/guard.c, run by specs/plot_guard_spec.lua:
 * PLplot's fatal errors (plexit), recoverable errors (plabort) and its
 * chatter on stdout/stderr must turn into em_fail messages, never into
 * output or an exit, and drawing must work again afterwards.
 * Prints one line per case: "<case> rc=<rc> <message>". */
#include <plplot.h>
#include <stdio.h>

#include "../../engine/core/error.h"
#include "../../engine/plot/guard.h"

void plexit(PLCHAR_VECTOR errormsg);  /* public in libplplot, not in plplot.h */

static void frame(void) {
    pladv(0);
    plvpor(0.1, 0.9, 0.1, 0.9);
    plwind(0, 1, 0, 1);
}

static void draw_ok(void *data) {
    (void)data;
    frame();
    plbox("bc", 0, 0, "bc", 0, 0);
}

static void draw_exit(void *data) {
    (void)data;
    frame();
    fprintf(stderr, "noise on stderr\n");
    printf("noise on stdout\n");
    plexit("simulated fatal error");
}

static void draw_abort(void *data) {
    (void)data;
    pladv(0);
    plvpor(0.5, 0.5, 0.5, 0.5);  /* PLplot: "plvpor: Invalid limits" */
}

static int nested_rc;
static char nested_msg[256];

/* A save started while one is drawing must fail, not disturb PLplot. */
static void draw_nested(void *data) {
    draw_ok(NULL);
    nested_rc = em_plot_guarded(data, draw_ok, NULL);
    snprintf(nested_msg, sizeof nested_msg, "%s", nested_rc ? em_error() : "");
    plbox("bc", 0, 0, "bc", 0, 0);
}

static void report(const char *name, int rc) {
    printf("%s rc=%d %s\n", name, rc, rc ? em_error() : "");
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    em_plot_page page = {"pngcairo", argv[1], 320, 240};
    report("exit", em_plot_guarded(&page, draw_exit, NULL));
    report("ok_after_exit", em_plot_guarded(&page, draw_ok, NULL));
    report("abort", em_plot_guarded(&page, draw_abort, NULL));
    report("ok_after_abort", em_plot_guarded(&page, draw_ok, NULL));
    report("outer", em_plot_guarded(&page, draw_nested, &page));
    printf("nested rc=%d %s\n", nested_rc, nested_msg);
    em_plot_page missing = {"no_such_device", argv[1], 320, 240};
    report("no_device", em_plot_guarded(&missing, draw_ok, NULL));
    report("ok_at_end", em_plot_guarded(&page, draw_ok, NULL));
    return 0;
}

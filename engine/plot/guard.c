/* The PLplot guard: see guard.h for what it promises and why. */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <plplot.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"

static int busy;                /* a save is running: PLplot's state is in use */
static int jump_armed;          /* exit_jump is valid */
static jmp_buf exit_jump;
static char plplot_said[512];   /* PLplot's first abort/exit message */

static void remember(const char *msg) {
    if (plplot_said[0] || !msg) return;
    snprintf(plplot_said, sizeof plplot_said, "%s", msg);
    for (char *c = plplot_said; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
}

/* plexit() calls this, then exit(): never let it get that far. */
static int on_plexit(PLCHAR_VECTOR msg) {
    remember(msg && *msg ? msg : "PLplot gave up (plexit)");
    if (jump_armed) longjmp(exit_jump, 1);
    return 1;
}

/* plabort() reports a recoverable error and returns; we fail the save. */
static void on_plabort(PLCHAR_VECTOR msg) { remember(msg); }

/* ---- keeping PLplot off the terminal ------------------------------------ */

typedef struct {
    int saved[3];   /* duplicates of the caller's fds 0, 1, 2 (-1: untouched) */
    FILE *capture;  /* receives what PLplot writes to stdout/stderr */
} quiet_stdio;

static void quiet_begin(quiet_stdio *q) {
    fflush(stdout);
    fflush(stderr);
    q->capture = tmpfile();
    int out = q->capture ? fileno(q->capture) : open("/dev/null", O_WRONLY | O_CLOEXEC);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);  /* a prompt reads EOF */
    for (int fd = 0; fd < 3; fd++) {
        q->saved[fd] = -1;
        int src = fd == 0 ? in : out;
        if (src < 0) continue;
        q->saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (q->saved[fd] >= 0 && dup2(src, fd) < 0) {
            close(q->saved[fd]);
            q->saved[fd] = -1;
        }
    }
    if (in >= 0) close(in);
    if (!q->capture && out >= 0) close(out);
}

/* Restore fds 0-2; what PLplot printed goes to said (one line). */
static void quiet_end(quiet_stdio *q, char *said, size_t size) {
    fflush(stdout);
    fflush(stderr);
    for (int fd = 0; fd < 3; fd++) {
        if (q->saved[fd] < 0) continue;
        dup2(q->saved[fd], fd);
        close(q->saved[fd]);
    }
    clearerr(stdin);
    said[0] = '\0';
    if (!q->capture) return;
    rewind(q->capture);
    size_t n = fread(said, 1, size - 1, q->capture);
    said[n] = '\0';
    fclose(q->capture);
    /* PLplot's messages are multi-line with banners; keep the words. */
    char *w = said;
    for (char *r = said; *r; r++) {
        char c = (*r == '\n' || *r == '\r' || *r == '\t') ? ' ' : *r;
        if (c == ' ' && (w == said || w[-1] == ' ')) continue;
        if (c == '*') continue;
        *w++ = c;
    }
    while (w > said && w[-1] == ' ') w--;
    *w = '\0';
}

/* ---- devices ------------------------------------------------------------ */

int em_plot_has_device(const char *device) {
    enum { MAX_DEVICES = 128 };
    const char *menus[MAX_DEVICES], *names[MAX_DEVICES];
    const char **pm = menus, **pn = names;
    int n = MAX_DEVICES;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], device) == 0) return 1;
    return 0;
}

/* ---- the guarded run ---------------------------------------------------- */

enum { STAGE_NONE, STAGE_STREAM, STAGE_INIT };

/* A fresh "<path>.tmp-XXXXXX" opened for writing, with the permissions a
 * plain fopen would give; NULL (errno set) when it cannot be created. */
static FILE *open_temp_beside(const char *path, char *tmp, size_t n) {
    if ((size_t)snprintf(tmp, n, "%s.tmp-XXXXXX", path) >= n) { errno = ENAMETOOLONG; return NULL; }
    int fd = mkstemp(tmp);
    if (fd < 0) return NULL;
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *fp = fdopen(fd, "wb");
    if (!fp) { close(fd); remove(tmp); }
    return fp;
}

/* After the run: when the drawing succeeded and the temporary file is not
 * empty, renames it into place and returns 0; otherwise removes it and
 * fails with what PLplot (or its stderr, `said`) reported. */
static int finish_file(const em_plot_page *page, const char *tmp, int failed, int no_device, const char *said) {
    struct stat st;
    if (!failed && (stat(tmp, &st) != 0 || st.st_size == 0)) {
        failed = 1;
        remember("the output file is empty");
    }
    if (!failed && rename(tmp, page->path) != 0) {
        int err = errno;
        remove(tmp);
        return em_fail("em_figure_save: file '%s' cannot be written (%s)", page->path, strerror(err));
    }
    if (!failed) return 0;
    remove(tmp);
    if (no_device)
        return em_fail("em_figure_save: PLplot has no '%s' output device (is plplot-driver-cairo installed?)",
                       page->device);
    return em_fail("em_figure_save: PLplot failed to draw '%s': %s", page->path,
                   plplot_said[0] ? plplot_said : said[0] ? said : "unknown error");
}

int em_plot_guarded(const em_plot_page *page, void (*draw)(void *data), void *data) {
    if (busy) return em_fail("em_figure_save: another figure is being drawn (PLplot is not re-entrant)");
    /* Draw into a temp file beside the target and rename it into place at the
     * end, so an interrupted or failed save never leaves a torn figure nor
     * destroys the previous one. */
    char tmp[4096];
    FILE *fp = open_temp_beside(page->path, tmp, sizeof tmp);
    if (!fp) return em_fail("em_figure_save: file '%s' cannot be written (%s)", page->path, strerror(errno));
    busy = 1;
    plplot_said[0] = '\0';
    char said[512] = "";
    quiet_stdio quiet;
    quiet_begin(&quiet);

    PLINT previous = 0;
    plgstrm(&previous);
    volatile int stage = STAGE_NONE;
    volatile int failed = 0;
    volatile int no_device = 0;
    plsexit(on_plexit);
    plsabort(on_plabort);
    jump_armed = 1;
    if (setjmp(exit_jump) == 0) {
        if (!em_plot_has_device(page->device)) {
            no_device = failed = 1;
        } else {
            PLINT stream = -1;
            plmkstrm(&stream);
            if (stream < 0 || plplot_said[0]) {
                failed = 1;
            } else {
                stage = STAGE_STREAM;
                plsdev(page->device);
                plsfile(fp);  /* PLplot writes to our FILE, never prompts for a name */
                plspage(0, 0, page->width, page->height, 0, 0);
                plscolbg(255, 255, 255);
                stage = STAGE_INIT;
                plinit();
                if (plplot_said[0]) failed = 1;
                else draw(data);
                if (plplot_said[0]) failed = 1;
            }
        }
    } else {
        failed = 1;
    }

    /* End the stream whatever happened; a second plexit while ending it
     * only skips the rest of the cleanup. */
    volatile int file_closed = 0;
    if (stage != STAGE_NONE && setjmp(exit_jump) == 0) {
        PLINT level = 0;
        plglevel(&level);
        /* Once plinit has got going, plend1 closes the device's file. */
        file_closed = level > 0;
        plend1();
    }
    if (!file_closed) fclose(fp);
    plsstrm(previous);
    jump_armed = 0;
    plsexit(NULL);
    plsabort(NULL);
    quiet_end(&quiet, said, sizeof said);
    busy = 0;
    return finish_file(page, tmp, failed, no_device, said);
}

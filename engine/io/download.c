#include "download.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"

/* curl_global_init is not thread-safe: once per process. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_status;
static void global_init(void) { init_status = curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
    FILE *f;
    CURL *curl;
    const em_download_opts *opts;
    int64_t resumed_from;
    int checked_status;  /* the first body byte checked the response code */
    int restarted;       /* the server ignored the Range: started over */
    int write_failed;
    int stopped;
} transfer;

/* A server that ignores "Range" answers 200 with the whole file: the partial
 * file is emptied and filled from the start, so nothing is appended twice. */
static int check_status_once(transfer *t) {
    if (t->checked_status) return 0;
    t->checked_status = 1;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (t->resumed_from > 0 && status == 200) {
        if (fflush(t->f) != 0 || ftruncate(fileno(t->f), 0) != 0) return -1;
        t->resumed_from = 0;
        t->restarted = 1;
    }
    return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *ud) {
    transfer *t = ud;
    if (check_status_once(t) || fwrite(data, size, n, t->f) != n) {
        t->write_failed = errno ? errno : EIO;
        return 0;
    }
    return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)ultotal;
    (void)ulnow;
    transfer *t = ud;
    if (!t->opts || !t->opts->progress) return 0;
    int64_t total = dltotal > 0 ? t->resumed_from + (int64_t)dltotal : -1;
    if (t->opts->progress(t->opts->ctx, t->resumed_from + (int64_t)dlnow, total)) {
        t->stopped = 1;
        return 1;
    }
    return 0;
}

static void configure(CURL *c, const char *url, transfer *t, char *errbuf) {
    const em_download_opts *o = t->opts;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);  /* 4xx/5xx: an error, no body written */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);     /* the host's SIGINT handler stays in charge */
    curl_easy_setopt(c, CURLOPT_USERAGENT, "ember (libcurl)");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o && o->connect_timeout > 0 ? o->connect_timeout : 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o && o->stall_timeout > 0 ? o->stall_timeout : 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    if (t->resumed_from > 0) curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)t->resumed_from);
}

static int64_t file_size(FILE *f) {
    struct stat st;
    return fstat(fileno(f), &st) == 0 ? (int64_t)st.st_size : -1;
}

/* One attempt; returns the curl code.  *range_refused: the server answered
 * 416 to a resume (the partial file is no prefix of what it serves now). */
static CURLcode attempt(const char *url, const char *part_path, const char *op, const em_download_opts *opts,
                        em_download_info *info, int *range_refused, int *failed) {
    *range_refused = 0;
    *failed = 0;
    FILE *f = fopen(part_path, "ab");
    if (!f) {
        *failed = 1;
        em_fail("%s: cannot write '%s': %s", op, part_path, strerror(errno));
        return CURLE_WRITE_ERROR;
    }
    /* Two processes appending to one partial file would interleave their
     * bytes: the second one waits for nothing and says so. */
    if (flock(fileno(f), LOCK_EX | LOCK_NB) != 0) {
        fclose(f);
        *failed = 1;
        em_fail("%s: '%s' is being downloaded by another process (its partial file '%s' is locked)", op, url,
                part_path);
        return CURLE_WRITE_ERROR;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        fclose(f);
        *failed = 1;
        em_fail("%s: cannot download %s: libcurl could not start", op, url);
        return CURLE_FAILED_INIT;
    }
    transfer t = {.f = f, .curl = c, .opts = opts, .resumed_from = file_size(f)};
    if (t.resumed_from < 0) t.resumed_from = 0;
    char errbuf[CURL_ERROR_SIZE] = "";
    configure(c, url, &t, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    const char *ctype = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
    info->http_status = status;
    snprintf(info->content_type, sizeof info->content_type, "%s", ctype ? ctype : "");
    info->resumed_from = t.resumed_from;
    info->stopped = t.stopped;
    /* What arrived is flushed and synced even on failure: the next attempt resumes from it. */
    int flushed = fflush(f) == 0 && fsync(fileno(f)) == 0;
    info->size = file_size(f);
    if (fclose(f) != 0) flushed = 0;
    curl_easy_cleanup(c);

    if (rc == CURLE_HTTP_RETURNED_ERROR && status == 416 && t.resumed_from > 0) {
        *range_refused = 1;
        return rc;
    }
    if (t.write_failed || !flushed) {
        *failed = 1;
        em_fail("%s: cannot write '%s' while downloading %s: %s", op, part_path, url,
                strerror(t.write_failed ? t.write_failed : errno));
        return CURLE_WRITE_ERROR;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && t.stopped) {
        *failed = 1;
        em_fail("%s: download of %s stopped (%lld bytes kept in '%s'; the next call resumes)", op, url,
                (long long)info->size, part_path);
        return rc;
    }
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
        *failed = 1;
        em_fail("%s: cannot download %s: the server answered HTTP %ld", op, url, status);
        return rc;
    }
    if (rc != CURLE_OK) {
        *failed = 1;
        em_fail("%s: cannot download %s: %s (%lld bytes kept in '%s'; the next call resumes)", op, url,
                errbuf[0] ? errbuf : curl_easy_strerror(rc), (long long)info->size, part_path);
    }
    return rc;
}

int em_download(const char *url, const char *part_path, const char *op, const em_download_opts *opts,
                em_download_info *info) {
    memset(info, 0, sizeof *info);
    pthread_once(&init_once, global_init);
    if (init_status != CURLE_OK) return em_fail("%s: libcurl failed to initialise: %s", op, curl_easy_strerror(init_status));
    int range_refused, failed;
    CURLcode rc = attempt(url, part_path, op, opts, info, &range_refused, &failed);
    if (range_refused) {
        /* The kept bytes cannot be continued: start over once, from byte 0. */
        if (truncate(part_path, 0) != 0) return em_fail("%s: cannot write '%s': %s", op, part_path, strerror(errno));
        rc = attempt(url, part_path, op, opts, info, &range_refused, &failed);
        if (range_refused) return em_fail("%s: cannot download %s: the server answered HTTP 416 to a request from byte 0", op, url);
    }
    return failed || rc != CURLE_OK ? -1 : 0;
}

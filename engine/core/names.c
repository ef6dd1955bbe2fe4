#include "names.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_WORD 64  /* longer words are compared on their first 64 bytes */

static int lower(int c) { return tolower((unsigned char)c); }

/* Optimal string alignment distance, case-insensitive, between the first
 * MAX_WORD bytes of a and b. */
static int edit_distance(const char *a, const char *b) {
    size_t la = strnlen(a, MAX_WORD), lb = strnlen(b, MAX_WORD);
    int d[MAX_WORD + 1][MAX_WORD + 1];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = lower(a[i - 1]) != lower(b[j - 1]);
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]) &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static int allowed_edits(size_t len) { return len <= 2 ? 0 : len <= 4 ? 1 : len <= 8 ? 2 : 3; }

static int starts_with(const char *name, const char *prefix) {
    for (; *prefix; prefix++, name++)
        if (lower(*name) != lower(*prefix)) return 0;
    return 1;
}

int em_nearest_name(const char *word, const char *const *names, int n) {
    if (!word || !names || !*word) return -1;
    if (n < 0) for (n = 0; names[n]; n++) {}
    int best = -1, best_d = allowed_edits(strlen(word)) + 1;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(word, names[i]);
        if (d < best_d) { best = i; best_d = d; }
    }
    if (best >= 0) return best;
    int prefixed = -1;
    for (int i = 0; i < n; i++) {
        if (!starts_with(names[i], word)) continue;
        if (prefixed >= 0) return -1;  /* ambiguous: say nothing rather than guess */
        prefixed = i;
    }
    return prefixed;
}

char *em_append_suggestion(char *buf, size_t size, const char *word, const char *const *names, int n) {
    int i = em_nearest_name(word, names, n);
    size_t used = strlen(buf);
    if (i >= 0 && used < size) snprintf(buf + used, size - used, "; did you mean '%s'?", names[i]);
    return buf;
}

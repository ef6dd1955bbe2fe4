/* "Did you mean ...?": the nearest of a list of names to a misspelt one.
 *
 * Every "unknown option / loss / activation / ..." message in Ember ends
 * with the same suggestion, so the rule lives here once: a name matches
 * when it equals the word ignoring case, or is within a small edit
 * distance of it (optimal string alignment: a swap of two neighbours
 * counts as one edit; none for words of 1-2 characters, 1 up to 4, 2
 * up to 8, 3 beyond), or is the only name the word is a prefix of.  Ties
 * go to the earlier name in the list. */
#ifndef EMBER_NAMES_H
#define EMBER_NAMES_H

#include <stddef.h>

/* Index in names[0..n) of the suggestion for word, or -1 when none is
 * close enough.  n < 0: names is NULL-terminated. */
int em_nearest_name(const char *word, const char *const *names, int n);

/* Appends "; did you mean 'x'?" to buf (NUL-terminated, of size size)
 * when there is a suggestion; leaves buf as it is otherwise.  Returns buf. */
char *em_append_suggestion(char *buf, size_t size, const char *word, const char *const *names, int n);

#endif

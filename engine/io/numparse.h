/* Parsing decimal numbers from text that is not NUL-terminated, as fast as
 * the data files need and exactly as strtod would: plain decimals with at
 * most 19 significant digits and a power of ten within 10^+-22 take
 * Clinger's fast path (one exact multiply or divide, correctly rounded);
 * anything else (long mantissas, big exponents, nan, inf, hex) goes to
 * strtod on a NUL-terminated copy. */
#ifndef EMBER_NUMPARSE_H
#define EMBER_NUMPARSE_H

/* Parse a number at the start of [s, end) (leading spaces allowed).
 * Returns the position after it, or s when there is no number. */
const char *em_parse_double(const char *s, const char *end, double *out);

#endif

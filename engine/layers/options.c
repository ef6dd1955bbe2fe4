#include "options.h"

#include <math.h>
#include <string.h>

#include "../core/error.h"
#include "../ops/activations.h"

const em_option em_no_options[] = {{.name = NULL}};

void em_options_defaults(const em_option *table, void *config) {
    char *base = config;
    for (const em_option *o = table; o->name; o++) {
        switch (o->type) {
        case EM_OPTION_INT:
        case EM_OPTION_SIZE: *(int64_t *)(base + o->offset) = (int64_t)o->def; break;
        case EM_OPTION_RATE:
        case EM_OPTION_NUMBER: *(double *)(base + o->offset) = o->def; break;
        case EM_OPTION_BOOL:
        case EM_OPTION_CHOICE: *(int *)(base + o->offset) = (int)o->def; break;
        case EM_OPTION_ACTIVATION:
        case EM_OPTION_ANY_ACTIVATION: *(em_activation *)(base + o->offset) = (em_activation)o->def; break;
        }
    }
}

static int check_one(const char *who, const em_option *o, const char *base) {
    switch (o->type) {
    case EM_OPTION_INT:
    case EM_OPTION_SIZE: {
        int64_t v = *(const int64_t *)(base + o->offset);
        int is_default = !o->required && v == (int64_t)o->def;  /* a default outside the range means "not given" */
        if (!is_default && (v < (int64_t)o->lo || (double)v > o->hi))
            return em_fail("%s: option '%s' must be an integer in [%g, %g], got %lld", who, o->name, o->lo, o->hi,
                           (long long)v);
        return 0;
    }
    case EM_OPTION_RATE: {
        double v = *(const double *)(base + o->offset);
        if (!(v >= o->lo && v < o->hi)) return em_fail("%s: option '%s' must be in [%g, %g), got %g", who, o->name, o->lo, o->hi, v);
        return 0;
    }
    case EM_OPTION_NUMBER: {
        double v = *(const double *)(base + o->offset);
        if (!isfinite(v) || v < o->lo || v > o->hi)
            return em_fail("%s: option '%s' must be a finite number in [%g, %g], got %g", who, o->name, o->lo, o->hi, v);
        return 0;
    }
    case EM_OPTION_BOOL:
    case EM_OPTION_ANY_ACTIVATION: return 0;
    case EM_OPTION_CHOICE: {
        int v = *(const int *)(base + o->offset), n = 0;
        while (o->choices[n]) n++;
        if (v < 0 || v >= n) return em_fail("%s: option '%s' has no choice %d", who, o->name, v);
        return 0;
    }
    case EM_OPTION_ACTIVATION:
        if (*(const em_activation *)(base + o->offset) == EM_ACT_SOFTMAX)
            return em_fail("%s: option '%s' cannot be softmax (not an elementwise activation)", who, o->name);
        return 0;
    }
    return 0;
}

int em_options_check(const char *who, const em_option *table, const void *config) {
    for (const em_option *o = table; o->name; o++)
        if (check_one(who, o, config)) return -1;
    return 0;
}

const em_option *em_options_find(const em_option *table, const char *name) {
    for (const em_option *o = table; o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

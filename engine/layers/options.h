/* A layer's options, declared once.
 *
 * Each layer type that takes options lists them in one table of em_option
 * rows (name, type, default, range, where in the config struct it lives).
 * From that one table:
 *   - em_options_defaults fills a config with the defaults,
 *   - em_options_check checks every value against its range (the engine's
 *     messages: "LSTM: option 'dropout' must be in [0, 1), got 1.5"),
 *   - the bindings read a Lua options table into the config, row by row
 *     (bindings/lua_options.c), and hand the Lua half the list of names for
 *     its "unknown option 'x' (valid: ...)" message.
 * So adding an option is one row here (and its field in the config). */
#ifndef EMBER_LAYERS_OPTIONS_H
#define EMBER_LAYERS_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    EM_OPTION_INT,             /* int64_t, in [lo, hi] (the default itself is always allowed) */
    EM_OPTION_SIZE,            /* int64_t as INT; Keras's 1-tuple ({7}) is accepted too */
    EM_OPTION_RATE,            /* double, in [lo, hi) */
    EM_OPTION_NUMBER,          /* double, finite, in [lo, hi] */
    EM_OPTION_BOOL,            /* int, 0 or 1 */
    EM_OPTION_ACTIVATION,      /* em_activation, elementwise ones only (recurrent cells) */
    EM_OPTION_ANY_ACTIVATION,  /* em_activation, softmax included */
    EM_OPTION_CHOICE,          /* int: index into choices (NULL-terminated names) */
} em_option_type;

typedef struct em_option {
    const char *name;
    em_option_type type;
    size_t offset;      /* of the field in the config struct */
    double def;         /* default (an em_activation's enum value for activations) */
    double lo, hi;      /* range of INT and RATE */
    int required;       /* must be given (no default) */
    const char *doc;    /* what it means, one line (for the API reference) */
    const char *const *choices;  /* CHOICE: the accepted names, NULL-terminated */
} em_option;

/* The table of a layer without options. */
extern const em_option em_no_options[];

/* Every table ends with a row whose name is NULL. */
void em_options_defaults(const em_option *table, void *config);
int em_options_check(const char *who, const em_option *table, const void *config);

/* The row called name, or NULL. */
const em_option *em_options_find(const em_option *table, const char *name);

#endif

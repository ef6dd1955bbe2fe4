#include "random.h"

#include <math.h>
#include <time.h>

static em_rng global;  /* the one seeded generator */
static int seeded;
static int have_spare;
static double spare;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The mask stream (random.h): its seed, the count of keys handed out,
 * and the current training step's key. */
static uint64_t mask_seed, mask_counter, step_key;
static uint64_t step_calls;
static int64_t step_first_row;
static int in_step;

void em_seed(uint64_t seed) {
    em_rng_seed(&global, seed);
    seeded = 1;
    have_spare = 0;
    uint64_t y = seed ^ 0x6d61736b73747265ULL;  /* "maskstre": apart from the generator's states */
    mask_seed = splitmix64(&y);
    mask_counter = 0;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(em_rng *r);

uint64_t em_rand_u64(void) {
    if (!seeded) em_seed((uint64_t)time(NULL) ^ (uint64_t)clock());
    return rng_next(&global);
}

float em_rand_uniform(void) { return (float)(em_rand_u64() >> 40) * (1.0f / 16777216.0f); }

double em_rand_double(void) { return (double)(em_rand_u64() >> 11) * (1.0 / 9007199254740992.0); }

double em_rand_normal(void) {
    if (have_spare) { have_spare = 0; return spare; }
    double u, v, s;
    do {
        u = 2.0 * em_rand_double() - 1.0;
        v = 2.0 * em_rand_double() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = sqrt(-2.0 * log(s) / s);
    spare = v * m;
    have_spare = 1;
    return u * m;
}

uint64_t em_rand_below(uint64_t n) {
    /* Rejection sampling removes the modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = em_rand_u64(); while (r >= limit);
    return r % n;
}

/* ---- the mask stream ---------------------------------------------------- */

/* splitmix64's finalizer: a bijective 64-bit mix. */
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t next_stream_key(void) {
    if (!seeded) em_seed((uint64_t)time(NULL) ^ (uint64_t)clock());
    return mix64(mask_seed + 0x9e3779b97f4a7c15ULL * ++mask_counter);
}

void em_mask_step_begin(int64_t first_row) {
    step_key = next_stream_key();
    step_calls = 0;
    step_first_row = first_row;
    in_step = 1;
}

void em_mask_step_end(void) { in_step = 0; }
int em_mask_step_active(void) { return in_step; }
em_mask_state em_mask_state_get(void) { return (em_mask_state){step_key, step_calls, step_first_row, in_step}; }
void em_mask_state_set(em_mask_state s) {
    step_key = s.key;
    step_calls = s.calls;
    step_first_row = s.first_row;
    in_step = s.active;
}

static uint64_t layer_key(uint64_t key, uint64_t k) { return mix64(key ^ (0xd1b54a32d192ed03ULL * k)); }

em_mask_stream em_mask_next(void) {
    if (in_step) return (em_mask_stream){layer_key(step_key, ++step_calls), step_first_row};
    return (em_mask_stream){layer_key(next_stream_key(), 1), 0};
}

float em_mask_uniform(const em_mask_stream *s, int64_t b, int64_t j) {
    uint64_t row = mix64(s->key ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(s->first_row + b + 1)));
    return (float)(mix64(row + 0xda942042e4dd58b5ULL * (uint64_t)(j + 1)) >> 40) * (1.0f / 16777216.0f);
}

void em_rng_seed(em_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

/* xoshiro256** (Blackman & Vigna), for the global generator and private ones. */
static uint64_t rng_next(em_rng *r) {
    uint64_t *st = r->s;
    uint64_t result = rotl(st[1] * 5, 7) * 9;
    uint64_t t = st[1] << 17;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl(st[3], 45);
    return result;
}

uint64_t em_rng_below(em_rng *r, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do v = rng_next(r); while (v >= limit);
    return v % n;
}

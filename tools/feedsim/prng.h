/*
 * prng - the one source of "random" values in feed bodies.
 *
 * Design idea: no generator state at all. Every value is a pure function
 * of (seed, generation, record index), so any response can be recomputed
 * by a test in a few lines (even in bash: 64-bit wrap-around arithmetic,
 * with `(h >> n) & mask` for the logical shifts), in any order, from any
 * thread, without replaying earlier requests.
 */
#ifndef FEEDSIM_PRNG_H
#define FEEDSIM_PRNG_H

#include <stdint.h>

/* One step of splitmix64 (Steele, Lea, Flood 2014) from state x:
 *   z = x + 0x9E3779B97F4A7C15
 *   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *   return z ^ (z >> 31)          (all mod 2^64, logical shifts) */
static inline uint64_t prng_splitmix64(uint64_t x)
{
    uint64_t z = x + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The 64 random bits behind record `index` of generation `generation`:
 *   h = sm(sm(sm(seed) ^ generation) ^ index)   with sm = prng_splitmix64 */
static inline uint64_t prng_value(uint64_t seed, uint64_t generation, uint64_t index)
{
    return prng_splitmix64(prng_splitmix64(prng_splitmix64(seed) ^ generation) ^ index);
}

#endif

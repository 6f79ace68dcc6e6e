/*
 * gazetteer - the administrative units a metric may be attached to.
 *
 * Loaded from a versioned data file (conf/gazetteer/NAME.tsv, generated from
 * the official lists by tools/mkgazetteer), never compiled in: codes keep
 * changing and a deployment must be able to update them by replacing a
 * file. It knows every current province (2-digit code) and commune/ward
 * (5-digit code) with its province, name and topic-safe slug, and the
 * mapping from pre-July-2025 commune codes to current ones. An old code
 * that was split between several new communes ("Nhập một phần") cannot be
 * attributed to one of them: resolving it says so instead of guessing.
 * A current code always wins over an old code with the same digits.
 * Read-only after loading, so lookups are thread-safe without locks.
 */
#ifndef IOCD_GAZETTEER_H
#define IOCD_GAZETTEER_H

#include <stddef.h>

struct gazetteer;

enum area_level { AREA_PROVINCE, AREA_COMMUNE };

/* A current administrative unit. Strings are owned by the gazetteer. */
struct area {
    enum area_level level;
    const char *code;     /* "96" or "32002" */
    const char *province; /* the province code; equal to code for a province */
    const char *name;     /* official name, UTF-8: "Phường An Xuyên" */
    const char *slug;     /* lowercase ASCII, hyphens: "an-xuyen" */
};

enum gazetteer_result {
    GAZ_CURRENT,  /* the code is a current unit */
    GAZ_MAPPED,   /* an old commune code merged wholly into one new unit */
    GAZ_SPLIT,    /* an old commune code split between several units */
    GAZ_UNKNOWN,  /* neither current nor known old code */
    GAZ_MALFORMED /* not 2 or 5 ASCII digits */
};

struct area_resolution {
    enum gazetteer_result result;
    const struct area *area;   /* the current unit for CURRENT and MAPPED */
    const char *old_code;      /* for MAPPED and SPLIT: the code given
                                  (the gazetteer's own copy) */
    const char *split_into;    /* for SPLIT: "32025, 32041" (owned by the
                                  gazetteer) */
};

/* Load a gazetteer file (format described at the top of gazetteer.c). On
 * error returns NULL and writes "FILE:LINE: reason" (or "FILE: reason" when
 * the file cannot be read) into err, truncated to errlen; err may be NULL.
 * gazetteer_free(NULL) is a no-op. */
struct gazetteer *gazetteer_load(const char *path, char *err, size_t errlen);
void gazetteer_free(struct gazetteer *g);

/* The data version from the file's header, e.g. "vn-2025-07". */
const char *gazetteer_version(const struct gazetteer *g);

/* Resolve `code` (exactly 2 or 5 ASCII digits; NULL is GAZ_MALFORMED).
 * Fills *out (fields that do not apply are NULL; out may be NULL); returns
 * out->result. A binary search, no allocation, safe from any thread. */
enum gazetteer_result gazetteer_resolve(const struct gazetteer *g, const char *code,
                                        struct area_resolution *out);

/* The current communes of `province` in file order. Returns how many and
 * points *list at an internal array (owned by the gazetteer); 0 and NULL
 * for an unknown province. */
size_t gazetteer_communes_of(const struct gazetteer *g, const char *province,
                             const struct area *const **list);

/* One pre-2025 commune code that merged wholly ("Nhập toàn bộ") into the
 * current commune `code` and is not itself a current code (the first such
 * row of the file), or NULL if there is none. Used by the feed simulator
 * and tests to produce old codes that must map back to `code`. */
const char *gazetteer_old_code_for(const struct gazetteer *g, const char *code);

/* Counts, for logs and tests. */
size_t gazetteer_province_count(const struct gazetteer *g);
size_t gazetteer_commune_count(const struct gazetteer *g);

#endif

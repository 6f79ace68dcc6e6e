/*
 * slug - see slug.h. The folding table lists, per ASCII base letter, its
 * Vietnamese variants; it is decoded once into a sorted code point table
 * (about 140 entries) searched by bisection.
 */
#include "slug.h"

#include "utf8.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct { char base; const char *variants; } slug_letters[] = {
    {'a', "àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
    {'e', "èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"},
    {'i', "ìíỉĩịÌÍỈĨỊ"},
    {'o', "òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
    {'u', "ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"},
    {'y', "ỳýỷỹỵỲÝỶỸỴ"},
    {'d', "đĐ"},
};

struct slug_fold { uint32_t cp; char base; };
static struct slug_fold slug_table[256];
static size_t slug_table_len;
static pthread_once_t slug_once = PTHREAD_ONCE_INIT;

/* Decode one sequence; an invalid byte becomes U+FFFD (a separator) so a
 * malformed string never folds into the slug of some other, valid text. */
static int slug_decode(const unsigned char *s, uint32_t *cp)
{
    int len = utf8_decode(s, cp);
    if (len > 0)
        return len;
    *cp = 0xFFFD;
    return 1;
}

static int slug_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct slug_fold *)a)->cp, y = ((const struct slug_fold *)b)->cp;
    return (x > y) - (x < y);
}

static void slug_build_table(void)
{
    for (size_t i = 0; i < sizeof slug_letters / sizeof slug_letters[0]; i++) {
        const unsigned char *p = (const unsigned char *)slug_letters[i].variants;
        while (*p && slug_table_len < sizeof slug_table / sizeof slug_table[0]) {
            uint32_t cp;
            p += slug_decode(p, &cp);
            slug_table[slug_table_len].cp = cp;
            slug_table[slug_table_len++].base = slug_letters[i].base;
        }
    }
    qsort(slug_table, slug_table_len, sizeof slug_table[0], slug_cmp);
}

/* The ASCII letter or digit a code point folds to, 0 for a separator and
 * -1 for a combining mark (dropped without a separator). */
static int slug_fold_cp(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return (int)(cp - 'A' + 'a');
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
        return (int)cp;
    if (cp >= 0x300 && cp <= 0x36F)
        return -1;
    struct slug_fold key = {cp, 0};
    const struct slug_fold *hit =
        bsearch(&key, slug_table, slug_table_len, sizeof slug_table[0], slug_cmp);
    return hit ? hit->base : 0;
}

int slug_make(const char *text, char *out, size_t len)
{
    pthread_once(&slug_once, slug_build_table);
    size_t n = 0;
    int pending_dash = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        uint32_t cp;
        p += slug_decode(p, &cp);
        int c = slug_fold_cp(cp);
        if (c < 0)
            continue;
        if (c == 0) {
            pending_dash = n > 0;
            continue;
        }
        if (n + pending_dash + 2 > len)
            return -1;
        if (pending_dash)
            out[n++] = '-';
        pending_dash = 0;
        out[n++] = (char)c;
    }
    if (len == 0)
        return -1;
    out[n] = '\0';
    return (int)n;
}

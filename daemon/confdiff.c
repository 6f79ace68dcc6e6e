/* confdiff - see confdiff.h. */
#include "confdiff.h"

#include <stdio.h>
#include <string.h>

static bool confdiff_text_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool confdiff_values_same(const struct key_value *a, const struct key_value *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].key != b[i].key || !confdiff_text_same(a[i].text, b[i].text) ||
            a[i].from_file != b[i].from_file)
            return false;
    return true;
}

static bool confdiff_members_same(char *const *keys_a, const struct key_value *a, size_t count_a,
                                  char *const *keys_b, const struct key_value *b, size_t count_b)
{
    if (count_a != count_b)
        return false;
    for (size_t i = 0; i < count_a; i++)
        if (!confdiff_text_same(keys_a[i], keys_b[i]) || !confdiff_text_same(a[i].text, b[i].text) ||
            a[i].from_file != b[i].from_file)
            return false;
    return true;
}

bool confdiff_instance_same(const struct instance_config *a, const struct instance_config *b)
{
    if (!a->plugin || !b->plugin || strcmp(a->plugin->path, b->plugin->path) != 0 ||
        a->value_count != b->value_count || !confdiff_text_same(a->name, b->name))
        return false;
    /* Both tables come from the same loaded plugin (dlopen hands back the
     * same mapping), so key pointers compare equal row by row. */
    return confdiff_values_same(a->values, b->values, a->value_count) &&
           confdiff_members_same(a->family_keys, a->family, a->family_count, b->family_keys,
                                 b->family, b->family_count);
}

bool confdiff_shared_same(const struct config *a, uint64_t digest_a, const struct config *b,
                          uint64_t digest_b)
{
    return digest_a == digest_b && confdiff_text_same(a->province, b->province) &&
           a->tz_offset_min == b->tz_offset_min && confdiff_text_same(a->state_dir, b->state_dir) &&
           confdiff_text_same(a->plugin_path, b->plugin_path) &&
           confdiff_text_same(a->gazetteer_path, b->gazetteer_path) &&
           confdiff_text_same(a->catalog_path, b->catalog_path);
}

static bool confdiff_section_same(const struct config_section *a, const struct config_section *b)
{
    return a->present == b->present && a->value_count == b->value_count &&
           confdiff_values_same(a->values, b->values, a->value_count) &&
           confdiff_members_same(a->extra_keys, a->extra, a->extra_count, b->extra_keys, b->extra,
                                 b->extra_count);
}

bool confdiff_sinks_same(const struct config *a, const struct config *b)
{
    if (a->sink_count != b->sink_count || a->outbox_limits.capacity != b->outbox_limits.capacity ||
        a->outbox_limits.max_bytes != b->outbox_limits.max_bytes)
        return false;
    for (size_t i = 0; i < a->sink_count; i++)
        if (!confdiff_section_same(&a->sinks[i], &b->sinks[i]))
            return false;
    return true;
}

static uint64_t confdiff_fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t confdiff_file(uint64_t h, const char *path)
{
    if (!path)
        return confdiff_fnv(h, "", 1);
    FILE *f = fopen(path, "rb");
    if (!f)
        return confdiff_fnv(h, path, strlen(path) + 1);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = confdiff_fnv(h, buf, n);
    fclose(f);
    /* A separator, so that moving bytes between the two files counts. */
    return confdiff_fnv(h, "\n\0", 2);
}

uint64_t confdiff_digest(const struct config *c)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = confdiff_file(h, c->gazetteer_path);
    return confdiff_file(h, c->catalog_path);
}

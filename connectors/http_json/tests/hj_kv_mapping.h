/*
 * hj_kv_mapping - for http_json's unit tests: a mapping parsed from a
 * NULL-terminated array of key/value pairs, where any mapping error fails
 * the test (a test that wants errors uses its own source: test_hjmap).
 * Include after <cmocka.h> and an http_json header.
 */
#ifndef TESTS_HJ_KV_MAPPING_H
#define TESTS_HJ_KV_MAPPING_H

struct kv {
    const char *key, *value;
};

static const char *kv_get(void *user, const char *key)
{
    for (const struct kv *kv = user; kv->key; kv++)
        if (strcmp(kv->key, key) == 0)
            return kv->value;
    return NULL;
}

/* The index-th key of a family ("metric.*"), in array order. */
static const char *kv_family(void *user, const char *family, size_t index)
{
    size_t n = strlen(family) - 1;
    for (const struct kv *kv = user; kv->key; kv++)
        if (strncmp(kv->key, family, n) == 0 && index-- == 0)
            return kv->key;
    return NULL;
}

static void kv_error(void *user, const char *key, const char *message)
{
    (void)user;
    print_error("mapping error: %s: %s\n", key ? key : "-", message);
    fail();
}

/* The mapping of kv; fails the test if it has a mistake. */
static struct hj_mapping *kv_mapping(const struct kv *kv)
{
    struct hjmap_source src = {kv_get, kv_family, kv_error, (void *)kv};
    struct hj_mapping *m = hjmap_parse(&src);
    assert_non_null(m);
    return m;
}

#endif

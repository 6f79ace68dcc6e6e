/*
 * test_status_json - unit tests of daemon/status_json.c, the payload of
 * the retained _status topics.
 *
 * Covers: the exact payload of a running instance (members in order,
 * times with the configured offset, null for never and for no error);
 * the offline payload; feed text in last_error with control bytes and a
 * quote: shown as \xNN and JSON-escaped, so the payload parses (jansson)
 * and reads back as the log shows it; a 255-byte error of control bytes
 * still fits STATUS_JSON_MAX; a buffer too small is refused, not cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "status_json.h"

static struct instance_snapshot snap(void)
{
    struct instance_snapshot s = {.name = "dvc", .source = "dvc-portal", .health = HEALTH_DEGRADED,
                                  .since_s = 1754014324, .last_success_s = 1754013422,
                                  .polls_ok = 12, .polls_failed = 1, .metrics = 1980,
                                  .rejected = 2};
    strcpy(s.last_error, "GET http://lgsp/api: HTTP status 503");
    return s;
}

static void test_running(void **state)
{
    (void)state;
    struct instance_snapshot s = snap();
    char buf[STATUS_JSON_MAX];
    int n = status_json(&s, 420, buf, sizeof buf);
    assert_string_equal(buf,
        "{\"schema\":\"ioc.status/1\",\"instance\":\"dvc\",\"source\":\"dvc-portal\","
        "\"state\":\"degraded\",\"since\":\"2025-08-01T09:12:04+07:00\","
        "\"last_success\":\"2025-08-01T08:57:02+07:00\","
        "\"last_error\":\"GET http://lgsp/api: HTTP status 503\","
        "\"counters\":{\"polls_ok\":12,\"polls_failed\":1,\"records\":1980,\"rejected\":2}}");
    assert_int_equal(n, (int)strlen(buf));
}

static void test_never(void **state)
{
    (void)state;
    struct instance_snapshot s = {.name = "ex", .source = "ex", .health = HEALTH_STARTING};
    char buf[STATUS_JSON_MAX];
    assert_true(status_json(&s, 0, buf, sizeof buf) > 0);
    assert_string_equal(buf,
        "{\"schema\":\"ioc.status/1\",\"instance\":\"ex\",\"source\":\"ex\",\"state\":\"starting\","
        "\"since\":null,\"last_success\":null,\"last_error\":null,"
        "\"counters\":{\"polls_ok\":0,\"polls_failed\":0,\"records\":0,\"rejected\":0}}");
}

static void test_offline(void **state)
{
    (void)state;
    json_error_t err;
    json_t *j = json_loads(STATUS_JSON_OFFLINE, 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "offline");
    assert_string_equal(json_string_value(json_object_get(j, "schema")), "ioc.status/1");
    json_decref(j);
}

static void test_feed_text(void **state)
{
    (void)state;
    struct instance_snapshot s = snap();
    strcpy(s.last_error, "page 1: \"x\n<2>forged\x1b[31m\\");
    char buf[STATUS_JSON_MAX];
    assert_true(status_json(&s, 420, buf, sizeof buf) > 0);
    json_error_t err;
    json_t *j = json_loads(buf, 0, &err);
    if (!j)
        fail_msg("not JSON (%s): %s", err.text, buf);
    assert_string_equal(json_string_value(json_object_get(j, "last_error")),
                        "page 1: \"x\\x0A<2>forged\\x1B[31m\\");
    json_decref(j);
    for (const char *p = buf; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
}

static void test_bounds(void **state)
{
    (void)state;
    struct instance_snapshot s = snap();
    memset(s.last_error, '\x01', sizeof s.last_error - 1);
    s.last_error[sizeof s.last_error - 1] = '\0';
    char buf[STATUS_JSON_MAX];
    assert_true(status_json(&s, 420, buf, sizeof buf) > 0);
    json_t *j = json_loads(buf, 0, NULL);
    assert_non_null(j);
    assert_int_equal(strlen(json_string_value(json_object_get(j, "last_error"))), 255 * 4);
    json_decref(j);
    char small[64];
    assert_int_equal(status_json(&s, 420, small, sizeof small), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_running),
        cmocka_unit_test(test_never),
        cmocka_unit_test(test_offline),
        cmocka_unit_test(test_feed_text),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

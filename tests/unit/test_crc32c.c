/*
 * test_crc32c - unit tests of daemon/crc32c.c, CRC-32C (Castagnoli).
 *
 * Covers: the check value ("123456789" -> 0xE3069283) and the five test
 * vectors of RFC 3720 appendix B.4 (32 zero bytes, 32 0xFF bytes, 32
 * ascending, 32 descending, the 48-byte iSCSI read command PDU); the empty
 * input; chaining (the CRC of a+b computed in two calls equals one call,
 * at every split point); every alignment of the start and every length
 * 0..64, against a bit-at-a-time reference written here from the
 * polynomial, so the slicing-by-8 path and its head and tail all agree;
 * the CPU's instruction (where crc32c picks it) and the tables agreeing
 * on 2,000 random lengths, alignments and seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crc32c.h"

/* The definition, one bit at a time (reflected, poly 0x82F63B78). */
static uint32_t crc_reference(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

static void test_check_value(void **state)
{
    (void)state;
    assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(crc32c(0, "", 0), 0);
}

static void test_rfc3720_vectors(void **state)
{
    (void)state;
    unsigned char b[48];
    memset(b, 0, 32);
    assert_int_equal(crc32c(0, b, 32), 0x8A9136AAu);
    memset(b, 0xFF, 32);
    assert_int_equal(crc32c(0, b, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        b[i] = (unsigned char)i;
    assert_int_equal(crc32c(0, b, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        b[i] = (unsigned char)(31 - i);
    assert_int_equal(crc32c(0, b, 32), 0x113FDB5Cu);
    static const unsigned char pdu[48] = {
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    assert_int_equal(crc32c(0, pdu, sizeof pdu), 0xD9963A56u);
}

static void test_chaining(void **state)
{
    (void)state;
    const char *text = "ioc/v1/96/dvc/tthc.received/32002/online {\"value\":1199}";
    size_t n = strlen(text);
    uint32_t whole = crc32c(0, text, n);
    for (size_t split = 0; split <= n; split++)
        assert_int_equal(crc32c(crc32c(0, text, split), text + split, n - split), whole);
}

static void test_alignments_and_lengths(void **state)
{
    (void)state;
    unsigned char buf[64 + 8];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    for (size_t start = 0; start < 8; start++)
        for (size_t len = 0; len <= 64; len++)
            assert_int_equal(crc32c(0, buf + start, len), crc_reference(buf + start, len));
}

/* Both paths (the CPU's instruction where crc32c uses it, the tables)
 * agree on random lengths, alignments and chained calls. */
static void test_hardware_and_tables_agree(void **state)
{
    (void)state;
    unsigned char buf[4096 + 16];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    print_message("crc32c uses %s\n", crc32c_hardware() ? "the CPU's crc32 instruction (SSE4.2)"
                                                        : "the tables");
    for (int k = 0; k < 2000; k++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t start = x % 16, len = (x >> 8) % 4096;
        uint32_t seed = x >> 3;
        assert_int_equal(crc32c(seed, buf + start, len), crc32c_portable(seed, buf + start, len));
    }
    assert_int_equal(crc32c_portable(0, "123456789", 9), 0xE3069283u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_rfc3720_vectors),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_alignments_and_lengths),
        cmocka_unit_test(test_hardware_and_tables_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

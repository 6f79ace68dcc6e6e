/*
 * droplog_lines - a droplog writer for unit tests: keeps the lines of a
 * loss episode (every one is a warning) for exact comparison.
 */
#ifndef IOCD_TEST_DROPLOG_LINES_H
#define IOCD_TEST_DROPLOG_LINES_H

#include "droplog.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

struct lines {
    char text[8][512];
    size_t n;
};

static void collect(void *ctx, enum log_level level, const char *line)
{
    struct lines *l = ctx;
    assert_int_equal(level, LOG_LEVEL_WARNING);
    if (l->n < 8)
        snprintf(l->text[l->n++], sizeof l->text[0], "%s", line);
}

#endif

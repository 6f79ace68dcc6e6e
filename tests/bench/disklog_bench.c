/*
 * disklog_bench - how fast the durable outbox's log (daemon/disklog.c)
 * takes records on this machine's disk: appends N records of about 500
 * bytes (a metric record's size) in batches of 256 with a commit after
 * each batch - one commit per poll of 256 metrics - then reads and
 * acknowledges them for two sinks. Prints one line per phase with
 * records/s, MB/s and fsyncs/s. Built by `make bench`, run by hand (not
 * part of tests/bench/run.sh's table yet):
 *
 *   build/bench/disklog_bench DIR [N] [poll|interval|never]
 *
 * DIR must not exist or be an empty directory of the outbox; it is left
 * with whatever segments the run did not delete.
 */
#include "disklog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 256
#define RECORD_BYTES 500

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: disklog_bench DIR [N (default 200000)] [poll|interval|never]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4)
        return usage();
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
    struct disklog_limits lim = {.max_disk = 4ull << 30};
    const char *policy = argc > 3 ? argv[3] : "poll";
    if (!strcmp(policy, "interval"))
        lim.fsync = DISKLOG_FSYNC_INTERVAL;
    else if (!strcmp(policy, "never"))
        lim.fsync = DISKLOG_FSYNC_NEVER;
    else if (strcmp(policy, "poll") != 0)
        return usage();
    if (n <= 0)
        return usage();
    static const char *const sinks[] = {"mqtt", "kafka"};
    char err[512];
    struct disklog *log = disklog_open(argv[1], &lim, sinks, 2, err, sizeof err);
    if (!log) {
        fprintf(stderr, "disklog_bench: %s\n", err);
        return 1;
    }
    static char series[BATCH][48], topic[BATCH][64], json[BATCH][RECORD_BYTES];
    struct disklog_record recs[BATCH];
    struct disklog_counters c0, c1;
    disklog_counters(log, &c0);
    double t0 = now_s();
    long done = 0;
    while (done < n) {
        size_t b = n - done < BATCH ? (size_t)(n - done) : BATCH;
        for (size_t i = 0; i < b; i++) {
            long seq = done + (long)i;
            int sl = snprintf(series[i], sizeof series[i], "dvc/tthc.received/%05ld/online",
                              seq % 3300);
            int tl = snprintf(topic[i], sizeof topic[i], "ioc/v1/96/%s", series[i]);
            int jl = snprintf(json[i], sizeof json[i],
                              "{\"schema\":\"ioc.metric/1\",\"source\":\"dvc\",\"seq\":%ld,"
                              "\"value\":%ld,\"pad\":\"",
                              seq, seq * 7 % 1000);
            while (jl < RECORD_BYTES - 3)
                json[i][jl++] = 'x';
            strcpy(json[i] + jl, "\"}");
            recs[i] = (struct disklog_record){
                .sinks = seq % 4 ? 2u : 3u, .seq = (uint64_t)seq,
                .source = "dvc", .source_len = 3,
                .series = series[i], .series_len = (size_t)sl,
                .topic = topic[i], .topic_len = (size_t)tl,
                .json = json[i], .json_len = strlen(json[i]),
            };
        }
        if (disklog_append_batch(log, recs, b) != b) {
            fprintf(stderr, "disklog_bench: append refused records\n");
            break;
        }
        disklog_commit(log);
        done += (long)b;
    }
    double t1 = now_s();
    disklog_counters(log, &c1);
    double w = t1 - t0;
    printf("append (fsync = %s): %ld records in %.2f s: %.0f records/s, %.1f MB/s, "
           "%" PRIu64 " fsyncs: %.0f fsyncs/s\n",
           policy, done, w, done / w, (double)(c1.disk_bytes - c0.disk_bytes) / w / 1e6,
           c1.fsyncs - c0.fsyncs, (double)(c1.fsyncs - c0.fsyncs) / w);
    struct disklog_record out[BATCH];
    for (unsigned s = 0; s < 2; s++) {
        double r0 = now_s();
        long got = 0;
        size_t k;
        while ((k = disklog_read(log, s, out, BATCH)) > 0) {
            for (size_t i = 0; i < k; i++)
                disklog_ack(log, s, out[i].pos);
            got += (long)k;
        }
        double r = now_s() - r0;
        printf("read + ack, sink %s: %ld records in %.2f s: %.0f records/s\n", sinks[s], got, r,
               got / r);
    }
    disklog_counters(log, &c1);
    printf("left on disk: %" PRIu64 " segments, %" PRIu64 " bytes\n", c1.segments,
           c1.disk_bytes);
    disklog_close(log);
    return 0;
}

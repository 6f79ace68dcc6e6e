/*
 * kafka_offsets - how many messages a Kafka topic has ever received: the
 * sum of its partitions' high-watermark offsets, printed as one number.
 *
 *   kafka_offsets BOOTSTRAP TOPIC
 *
 * `make bench` reads it before and after each run: the difference is what
 * the broker acknowledged, counted by the broker itself (the local broker
 * keeps only a few MB per partition, so consuming everything would not
 * count big volumes). Exit status 1 when the broker does not answer in
 * 10 s.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kafka_offsets BOOTSTRAP TOPIC\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err)) {
        fprintf(stderr, "kafka_offsets: %s\n", err);
        return 1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "kafka_offsets: %s\n", err);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, argv[2], NULL);
    const struct rd_kafka_metadata *md = NULL;
    int rc = 1;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        md->topic_cnt == 1 && !md->topics[0].err) {
        long long sum = 0;
        rc = 0;
        for (int i = 0; i < md->topics[0].partition_cnt && rc == 0; i++) {
            int64_t lo, hi;
            if (rd_kafka_query_watermark_offsets(rk, argv[2], md->topics[0].partitions[i].id, &lo,
                                                 &hi, 10000)) {
                fprintf(stderr, "kafka_offsets: partition %d: no answer\n", i);
                rc = 1;
            }
            sum += hi;
        }
        if (rc == 0)
            printf("%lld\n", sum);
    } else {
        fprintf(stderr, "kafka_offsets: no metadata for topic %s\n", argv[2]);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return rc;
}

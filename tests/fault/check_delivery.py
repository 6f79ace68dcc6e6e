#!/usr/bin/env python3
"""check_delivery - the fault suite's judge: did every committed record reach
each sink? (issue 15 item 7)

The one idea: compare sets of (series, seq), per sink. "Committed" comes
from iocd's commit trace (IOCD_COMMIT_TRACE: KIND<TAB>SEQ<TAB>SERIES<TAB>SINKS
per record made durable), "delivered" from what the collectors received.
    lost       = committed - delivered          (must be 0, or exactly
                                                 the records --expect-lost
                                                 names, or at most
                                                 --lost-max counted drops)
    duplicates = deliveries beyond the first of a record
    untraced   = delivered records the trace does not list: a kill -9
                 between a commit's fsync and its trace write leaves at
                 most one commit's records out (--untraced-max bounds them)
Only kind "record" is judged; screens and alerts in the trace are
recognised and left out. With --emitted (an iocd without the durable
outbox) the stdout sink's records stand for the committed set of both sinks.

Inputs: --mqtt FILE lines "RETAIN TOPIC PAYLOAD" (mosquitto_sub -F '%r %t %p');
a retained replay (RETAIN 1, sent when the collector resubscribes) proves
the broker had the record, so it counts as delivered but never as a
duplicate. --kafka FILE lines "PARTITION<TAB>OFFSET<TAB>KEY<TAB>PAYLOAD" (kcat -f
'%p\\t%o\\t%k\\t%s\\n'), a restarted consumer's re-reads counted once.
Prints one line per sink and writes the figures as JSON (--json).
"""
import argparse
import collections
import json
import re
import sys

SINKS = ("mqtt", "kafka")


def read_trace(path):
    """committed[sink] = set of (series, seq) of kind record; other kinds
    (screen, alert) in a set of their own."""
    committed = {s: set() for s in SINKS}
    other = set()
    lines = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                raise SystemExit(f"{path}:{lines + 1}: not KIND<TAB>SEQ<TAB>SERIES<TAB>SINKS: {line!r}")
            lines += 1
            kind, seq, series, sinks = parts
            key = (series, int(seq))
            if kind != "record":
                other.add(key)
                continue
            for s in sinks.split(","):
                if s in committed:
                    committed[s].add(key)
    return committed, other, lines


def read_emitted(path):
    """stdout sink's JSON lines: every record, for both sinks."""
    keys = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                m = json.loads(line)
            except ValueError:
                continue  # a line cut by kill -9
            if isinstance(m, dict) and "series" in m and "seq" in m:
                keys.add((m["series"], int(m["seq"])))
    return {s: set(keys) for s in SINKS}, set(), len(keys)


SERIES_RE = re.compile(r'"series":"([^"\\]*)"')
SEQ_RE = re.compile(r'"seq":([0-9]+)[,}]')


def payload_key(payload):
    # Fast path (millions of messages in the long form): the two fields by
    # pattern; anything unusual goes through the JSON parser.
    a, b = SERIES_RE.search(payload), SEQ_RE.search(payload)
    if a and b and payload.startswith("{"):
        return (a.group(1), int(b.group(1)))
    try:
        m = json.loads(payload)
    except ValueError:
        return None
    if isinstance(m, dict) and "series" in m and "seq" in m:
        return (m["series"], int(m["seq"]))
    return None


def read_mqtt(path):
    live, retained, bad = collections.Counter(), set(), 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            # ioc/v1/96/_status/..., _summary, _alert, _catalog, the probe:
            # not records.
            levels = parts[1].split("/") if len(parts) == 3 else []
            if len(levels) < 4 or levels[3].startswith("_"):
                continue
            key = payload_key(parts[2])
            if key is None:
                bad += 1
            elif parts[0] == "1":
                retained.add(key)
            else:
                live[key] += 1
    return live, retained, bad


def read_kafka(path):
    """A message read twice by a restarted consumer has the same partition
    and offset: counted once (a duplicate from iocd has an offset of its
    own)."""
    live, bad, seen = collections.Counter(), 0, set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) != 4 or parts[2].startswith("_") or (parts[0], parts[1]) in seen:
                continue  # alerts are keyed "_alert/..."
            seen.add((parts[0], parts[1]))
            key = payload_key(parts[3])
            if key is None:
                bad += 1
            else:
                live[key] += 1
    return live, set(), bad


def read_keys(path):
    """SERIES<TAB>SEQ lines (e.g. the records of a damaged frame)."""
    keys = set()
    if path:
        with open(path, encoding="utf-8") as f:
            for line in f:
                series, _, seq = line.rstrip("\n").rpartition("\t")
                if series:
                    keys.add((series, int(seq)))
    return keys


def judge(sink, committed, other, live, retained, bad, args):
    delivered = set(live) | retained
    lost = committed - delivered
    expected = read_keys(args.expect_lost) if args.expect_lost else set()
    untraced = delivered - committed - other
    r = {
        "committed": len(committed),
        "delivered": len(delivered & committed),
        "delivered_messages": sum(live.values()),
        "duplicates": sum(c - 1 for c in live.values() if c > 1),
        "retained_only": len(retained - set(live)),
        "lost": len(lost),
        "lost_expected": len(lost & expected),
        "lost_unexpected": len(lost - expected),
        "untraced": len(untraced),
        "unparsable": bad,
        "lost_sample": sorted(f"{s} seq {q}" for s, q in lost)[:10],
        "untraced_sample": sorted(f"{s} seq {q}" for s, q in untraced)[:5],
    }
    ok = r["committed"] > 0 and r["lost_unexpected"] == 0 and r["untraced"] <= args.untraced_max
    if args.lost_max is not None:  # counted drops (disk full): up to that many
        ok = r["committed"] > 0 and r["lost"] <= args.lost_max and r["untraced"] <= args.untraced_max
    r["ok"] = ok
    line = (f"{sink}: committed {r['committed']}, delivered {r['delivered']} (distinct), "
            f"lost {r['lost']}, duplicates {r['duplicates']}, untraced {r['untraced']}")
    if expected:
        line += f" (expected lost: {r['lost_expected']} of {len(expected & committed)} damaged)"
    if r["retained_only"]:
        line += f", retained replays only {r['retained_only']}"
    if bad:
        line += f", unparsable {bad}"
    print(line + ("" if ok else "  <-- FAIL"))
    for what in ("lost_sample", "untraced_sample"):
        if r[what] and (r["lost_unexpected"] or what == "untraced_sample"):
            print(f"  {what}: " + "; ".join(r[what]))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--trace", help="IOCD_COMMIT_TRACE file")
    src.add_argument("--emitted", help="stdout sink JSON lines (no durable outbox)")
    ap.add_argument("--mqtt", required=True)
    ap.add_argument("--kafka", required=True)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--untraced-max", type=int, default=0,
                    help="delivered records the trace may miss (kills x records per commit)")
    ap.add_argument("--expect-lost", help="SERIES<TAB>SEQ records allowed to be lost (damaged on disk)")
    ap.add_argument("--lost-max", type=int, help="lost allowed up to this many (counted drops)")
    args = ap.parse_args()
    if args.trace:
        committed, other, lines = read_trace(args.trace)
    else:
        committed, other, lines = read_emitted(args.emitted)
        print("(no commit trace: committed = the records the stdout sink printed)")
    result = {"trace_lines": lines}
    for sink, reader, path in (("mqtt", read_mqtt, args.mqtt), ("kafka", read_kafka, args.kafka)):
        live, retained, bad = reader(path)
        result[sink] = judge(sink, committed[sink], other, live, retained, bad, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if all(result[s]["ok"] for s in SINKS) else 1


if __name__ == "__main__":
    sys.exit(main())

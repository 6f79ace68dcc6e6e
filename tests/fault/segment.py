#!/usr/bin/env python3
"""segment - read and damage one durable-outbox segment file, for the fault
suite's corruption scenario (docs/design.md "Durable outbox": the format).

The one idea: the test must know exactly which records it destroyed, so it
reads the frames itself, independently of the daemon, and names them.
  segment.py frames SEG              OFFSET<TAB>FRAME_BYTES<TAB>KIND<TAB>MASK<TAB>SEQ<TAB>SERIES per frame
  segment.py flip SEG OFFSET         flip every bit of one byte at OFFSET
  segment.py cut SEG OFFSET          truncate the file to OFFSET bytes
Format: a 32-byte header ("IOCDLOG\\0", ...), then frames: u32 sync
0xEC061DF5, u32 payload length, u32 CRC-32C, payload (u8 kind, u8 0, u16
source length, u32 sink mask, u64 seq, u32 series/topic/json lengths, then
source, series, topic, json), little-endian.
"""
import struct
import sys

HEADER = 32
SYNC = 0xEC061DF5


def frames(path):
    data = open(path, "rb").read()
    if data[:8] != b"IOCDLOG\0":
        raise SystemExit(f"{path}: not an iocd outbox segment")
    off = HEADER
    while off + 12 <= len(data):
        sync, length, _crc = struct.unpack_from("<III", data, off)
        if sync != SYNC or off + 12 + length > len(data):
            break
        p = off + 12
        kind, _zero, srclen, mask, seq, serlen, _toplen, _jsonlen = struct.unpack_from("<BBHIQIII", data, p)
        series = data[p + 28 + srclen:p + 28 + srclen + serlen].decode("utf-8", "replace")
        yield off, 12 + length, kind, mask, seq, series
        off += 12 + length


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "frames":
        for f in frames(path):
            print("\t".join(str(x) for x in f))
    elif cmd == "flip":
        off = int(sys.argv[3])
        with open(path, "r+b") as f:
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ 0xFF]))
    elif cmd == "cut":
        with open(path, "r+b") as f:
            f.truncate(int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()

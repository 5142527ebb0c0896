#!/usr/bin/env python3
"""Writes the malformed safetensors fixtures under Tests/ConvKitTests/Fixtures/safetensors/,
one per defect, byte by byte with the standard library only (run once; the files are committed).

A safetensors file is: UInt64 little-endian header length N, N bytes of JSON header
(padded with spaces to a multiple of 8), then the data buffer. Each fixture breaks one rule;
SafeTensorsTests checks the exact message ConvKit gives for it.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ConvKitTests", "Fixtures", "safetensors")


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def padded(header):
    data = header.encode("utf-8")
    return data + b" " * ((8 - len(data) % 8) % 8)


def file(header, data, declared=None):
    h = padded(header)
    n = len(h) if declared is None else declared
    return struct.pack("<Q", n) + h + data


def tensor(name, offsets, shape="[2]", dtype="F32"):
    return '"%s":{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}' % (name, dtype, shape, offsets[0], offsets[1])


A = tensor("a", (0, 8))
FIXTURES = {
    # 5 bytes: not even the 8-byte header length.
    "truncated": file("{" + A + "}", f32(1, 2))[:5],
    # N = 2^60 = 1152921504606846976 in a 16-byte file.
    "header-length-2-pow-60": struct.pack("<Q", 1 << 60) + padded("{}"),
    # N = 256, but only 56 + 8 bytes follow the length field.
    "header-length-past-end": file("{" + A + "}", f32(1, 2), declared=256),
    # The closing brace of the outer object is missing.
    "header-not-json": file("{" + A, f32(1, 2)),
    # b starts at 4, inside a's [0, 8).
    "overlapping-offsets": file("{" + A + "," + tensor("b", (4, 12)) + "}", f32(1, 2, 3)),
    # Bytes 8..<12 belong to no tensor.
    "hole-between-tensors": file("{" + A + "," + tensor("b", (12, 20)) + "}", f32(1, 2, 3, 4, 5)),
    # a claims [0, 8) but the buffer holds 4 bytes.
    "offsets-past-end": file("{" + A + "}", f32(1)),
    # "F33" is no dtype.
    "wrong-dtype": file("{" + tensor("a", (0, 8), dtype="F33") + "}", f32(1, 2)),
    # shape [3] of F32 needs 12 bytes; the offsets span 8.
    "shape-byte-count-mismatch": file("{" + tensor("a", (0, 8), shape="[3]") + "}", f32(1, 2)),
    # Two tensors named a (JSON parsers that keep the last one would silently lose a tensor).
    "duplicate-names": file("{" + A + "," + tensor("a", (8, 16)) + "}", f32(1, 2, 3, 4)),
    # Metadata values must be strings; 3 is a number.
    "metadata-not-string": file('{"__metadata__":{"epoch":3},' + A + "}", f32(1, 2)),
}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, data in FIXTURES.items():
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(data)
        print("%-40s %3d bytes" % (name + ".safetensors", len(data)))

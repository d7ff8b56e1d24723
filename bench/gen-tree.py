#!/usr/bin/env python3
"""Synthetic Mnesia-like tree for the benchmark, the same bytes for the same arguments.

    gen-tree.py DIR TOTAL_BYTES SEED

Writes 4 large text files of Erlang terms (one term a line, shaped like the rows of
a LeoFS manager's dump: users, credentials, buckets; compressible ~3-4x by zstd -3 as
real dumps are) and 400 small files of random bytes (incompressible). The small files
take ~2.5% of TOTAL_BYTES whatever its size, so one recipe scales from 32 MiB to 1 GiB.
No block repeats, so chunk-level deduplication (restic, borg) finds nothing to skip.
"""
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor

LARGE_FILES = 4
SMALL_FILES = 400
BLOCK_LINES = 4096


def large_file(path, size, seed):
    rng = random.Random(f"{seed}:{os.path.basename(path)}")
    written = 0
    serial = 0
    with open(path, "wb") as out:
        while written < size:
            hexes = rng.randbytes(BLOCK_LINES * 16).hex()
            secrets = rng.randbytes(BLOCK_LINES * 20)
            lines = []
            for i in range(BLOCK_LINES):
                serial += 1
                key = hexes[i * 32:i * 32 + 20].upper()
                stamp = 1700000000 + rng.getrandbits(26)
                kind = serial % 3
                if kind == 0:
                    lines.append(
                        f'{{leo_s3_users,<<"user_{serial:08d}">>,1,{stamp},{stamp},false}}.\n')
                elif kind == 1:
                    secret = secrets[i * 20:i * 20 + 20].hex()
                    lines.append(
                        f'{{leo_s3_credentials,<<"{key}">>,<<"{secret}">>,{stamp}}}.\n')
                else:
                    lines.append(
                        f'{{leo_s3_buckets,<<"bucket-{serial:08d}">>,<<"{key}">>,'
                        f"[{{acl,<<\"{key}\">>,[full_control]}}],'leofs_1',{stamp},{stamp},{stamp + 60},false}}.\n")
            block = "".join(lines).encode()
            block = block[:size - written]
            out.write(block)
            written += len(block)
    return path


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen-tree.py DIR TOTAL_BYTES SEED")
    root, total, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    os.makedirs(os.path.join(root, "small"), exist_ok=True)
    max_small = max(1024, total * 5 // 100 // SMALL_FILES)  # mean ~2.5% of total
    small_total = 0
    for i in range(SMALL_FILES):
        size = rng.randint(256, max_small)
        with open(os.path.join(root, "small", f"conf_{i:03d}.bin"), "wb") as out:
            out.write(rng.randbytes(size))
        small_total += size
    large = (total - small_total) // LARGE_FILES
    names = ["leo_s3_users.DCD.txt", "leo_s3_credentials.DCD.txt", "leo_s3_buckets.DCD.txt", "leo_ring.LOG.txt"]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(large_file, [os.path.join(root, n) for n in names], [large] * LARGE_FILES, [seed] * LARGE_FILES))


if __name__ == "__main__":
    main()

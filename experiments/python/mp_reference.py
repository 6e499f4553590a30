#!/usr/bin/env python3
"""The seed experiment, literally: Python multiprocessing over one big file.

usage: mp_reference.py MODE FILE WORKERS
  readall-pool  the parent reads every line, then Pool.map hands them to the
                workers (each line is pickled through a pipe: every worker
                ends up holding copies)
  ranges        each worker opens the file and reads its own byte range,
                aligned to line starts (the seed's "plan 2")
  shm           the parent reads the file once into
                multiprocessing.shared_memory; workers attach and count their
                part (the seed's "plan 1: share the memory")

Prints the number of lines first (fanbench verifies it), then details.
Standard library only.
"""
import multiprocessing as mp
import os
import sys
from multiprocessing import shared_memory


def count_lines(lines):
    return len(lines), sum(len(l) for l in lines)


def cut_points(path, size, parts):
    """Offsets of the first line start at or after i*size/parts."""
    cuts = [0]
    with open(path, "rb") as f:
        for i in range(1, parts):
            target = size * i // parts
            if target <= cuts[-1]:
                cuts.append(cuts[-1])
                continue
            f.seek(target - 1)
            f.readline()  # finish the line that contains target-1
            cuts.append(min(f.tell(), size))
    cuts.append(size)
    return cuts


def count_range(args):
    path, start, end = args
    lines = nbytes = 0
    with open(path, "rb") as f:
        f.seek(start)
        while nbytes < end - start:
            chunk = f.read(min(1 << 20, end - start - nbytes))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            nbytes += len(chunk)
    return lines, nbytes, chunk[-1:] if nbytes else b""


def count_shm(args):
    name, start, end = args
    shm = shared_memory.SharedMemory(name=name)
    try:
        view = shm.buf[start:end]
        lines = bytes(view).count(b"\n") if end > start else 0
        last = bytes(shm.buf[end - 1:end]) if end > start else b""
        del view
        return lines, end - start, last
    finally:
        shm.close()


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode, path, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    size = os.path.getsize(path)
    ctx = mp.get_context("fork")
    if mode == "readall-pool":
        with open(path, "rb") as f:
            lines = f.readlines()
        chunk = max(1, len(lines) // workers)
        parts = [lines[i:i + chunk] for i in range(0, len(lines), chunk)]
        with ctx.Pool(workers) as pool:
            res = pool.map(count_lines, parts)
        total = sum(n for n, _ in res)
        nbytes = sum(b for _, b in res)
    elif mode == "ranges":
        cuts = cut_points(path, size, workers)
        with ctx.Pool(workers) as pool:
            res = pool.map(count_range, [(path, cuts[i], cuts[i + 1]) for i in range(workers)])
        total, nbytes = count_total(res, size)
    elif mode == "shm":
        shm = shared_memory.SharedMemory(create=True, size=max(size, 1))
        try:
            with open(path, "rb") as f:
                f.readinto(shm.buf[:size])
            cuts = cut_points(path, size, workers)
            with ctx.Pool(workers) as pool:
                res = pool.map(count_shm, [(shm.name, cuts[i], cuts[i + 1]) for i in range(workers)])
            total, nbytes = count_total(res, size)
        finally:
            shm.close()
            shm.unlink()
    else:
        print(f"mp_reference.py: unknown mode {mode!r} (want readall-pool, ranges or shm)", file=sys.stderr)
        sys.exit(2)
    print(total)
    print(f"mode={mode} workers={workers} bytes={nbytes}")


def count_total(res, size):
    total = sum(r[0] for r in res)
    nbytes = sum(r[1] for r in res)
    tails = [r[2] for r in res if r[1] > 0]
    if tails and tails[-1] != b"\n":
        total += 1  # an unterminated last line is still a line
    return total, nbytes


if __name__ == "__main__":
    main()

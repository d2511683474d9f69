"""Searching every output of a run for many seeded values at once (the privacy tests)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def windows(data: bytes, width: int) -> np.ndarray:
    """Every ``width``-byte window of ``data`` (``width`` <= 8) as one integer."""
    array = np.frombuffer(data, np.uint8).astype(np.uint64)
    count = len(array) - width + 1
    packed = np.zeros(max(count, 0), np.uint64)
    if count <= 0:
        return packed
    for i in range(width):
        packed = (packed << np.uint64(8)) | array[i : i + count]
    return packed


def leak_finder(needles: list[bytes]) -> Callable[[bytes], list[bytes]]:
    """A function giving the needles (none empty) a blob holds. A needle is looked for
    (``needle in blob``, a scan of the whole blob) only where its first, middle and last bytes all
    occur in the blob, which one vectorised pass finds: a few scans per blob instead of one per
    needle (a run's outputs are some 36 MB; the privacy tests seed hundreds of values)."""
    width = min(8, *map(len, needles))
    keys = [
        {
            int(windows(n[at : at + width], width)[0])
            for at in (0, (len(n) - width) // 2, len(n) - width)
        }
        for n in needles
    ]
    known = np.unique(np.array([k for key in keys for k in key], np.uint64))

    def find(blob: bytes) -> list[bytes]:
        grams = windows(blob, width)
        at = np.minimum(np.searchsorted(known, grams), len(known) - 1)
        seen = set(np.unique(grams[known[at] == grams]).tolist())
        return [n for n, key in zip(needles, keys, strict=True) if key <= seen and n in blob]

    return find

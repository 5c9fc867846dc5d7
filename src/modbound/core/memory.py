"""Keep freed memory in the process while a loop allocates and frees the same large buffers (glibc only).

A training update of 100 networks allocates tensors of ~40 MB (the hidden states of a whole batch) and frees
them again. glibc's ``malloc`` serves every block above its mmap threshold (at most 32 MiB) with a fresh
``mmap`` and returns it with ``munmap``, so each update faults in ~10,000 new pages before it can write them.
:func:`reuse_freed_memory` tells glibc, for the duration of a ``with`` block, to serve large blocks from the heap
and not to give freed heap memory back (``mallopt(M_MMAP_MAX, 0)`` and a high ``M_TRIM_THRESHOLD``), so the next
update reuses the pages of the last. It changes where memory comes from, never a computed value (the trained
networks are byte-identical, tests/test_rnn.py); ``benchmarks/bench_rnn.py`` times an update with and without it
(docs/benchmarks.md has what it saves in a paper-scale run). The process keeps its peak heap until the block ends; on leaving it
glibc's documented defaults are set again (trimming then uses the fixed default threshold, not glibc's
self-adjusting one). Elsewhere than Linux with glibc it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from collections.abc import Iterator

__all__ = ["reuse_freed_memory"]

# mallopt parameters and glibc's defaults (malloc.h, mallopt(3))
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
DEFAULT_TRIM_THRESHOLD, DEFAULT_MMAP_MAX = 128 * 1024, 65536
KEEP = 2**31 - 1  # M_TRIM_THRESHOLD is an int: never trim below ~2 GiB of free heap top


def _glibc():
    """The C library when it is glibc (it has ``mallopt`` and ``gnu_get_libc_version``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 (attribute lookup: glibc only)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return libc


@contextlib.contextmanager
def reuse_freed_memory(enabled: bool = True) -> Iterator[bool]:
    """Within the block, large allocations come from a heap that keeps freed memory; yields whether it applied.

    ``enabled=False`` (or a C library other than glibc) leaves the allocator as it is and yields False.
    """
    libc = _glibc() if enabled else None
    if libc is None:
        yield False
        return
    applied = bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, KEEP))
    try:
        yield applied
    finally:
        libc.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX)
        libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)

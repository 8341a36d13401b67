"""Freed memory goes back to the system, and the collector leaves what lives as long as the app alone.

The cockpit stays open for hours and its workers free large buffers.

glibc keeps freed heap memory for reuse and raises its mmap threshold after a large buffer is freed, so a
process that builds and drops frames of a few megabytes each poll keeps the peak resident. A fixed trim
threshold (which also fixes the mmap threshold) hands freed memory back. Measured on the demo after 40 s:
resident 150 -> 134 MiB (see benchmarks/README.md).

Python's full collections walk every object that survived two younger ones: the modules, the widgets, the
bars' indexes and the week's memo: 100-150 ms each on the development machine, on whichever thread
allocated last, about every six seconds at a new bar a second (`--speed 7200`). Once start-up is over, what
is alive then lives as long as the app, and is moved out of the collector's generations (`gc.freeze`): a full
collection then walks only what came after (measured in the latency benchmark: gen-2 time 1.6 s -> 0.7 s over
60 new bars, see benchmarks/README.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
TRIM_THRESHOLD_BYTES = 128 * 1024


def release_freed_memory() -> bool:
    """Ask glibc to return freed memory above 128 KiB at the top of the heap; False where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))


_settled = False


def settle_collector() -> bool:
    """Collect once, then keep everything alive out of the collector's generations; once per process (False
    after the first call). For when start-up is over: the first figures, the story's week, the real panes."""
    global _settled
    if _settled:
        return False
    _settled = True
    gc.collect()
    gc.freeze()
    return True

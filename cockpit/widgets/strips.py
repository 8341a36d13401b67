"""Textual's strips without self-references: a strip that is already what it is asked to become is returned
as it is, without keeping itself in its own cache.

`Strip.divide` at the strip's own length and `crop_extend` over its whole width return the strip itself, and
store it in that same strip's cache first: the strip then refers to itself, and reference counting can never
free it, nor the segments, styles and caches it holds. Textual paints its lines through both, so each repaint
left about a hundred such strips per new bar for the collector, which found them only in its older
generations, once they had been promoted. In the latency benchmark, 20 new bars left 28,914 unreachable
objects for the collector, 2,307 of them strips; with both methods wrapped, 4,364 and no strip
(benchmarks/README.md).

The results are the same strips; only the self-referencing cache entries are not made. The methods are
wrapped once per process, and only while Textual's still behave so (`tangled`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

_WRAPPED = "_cockpit_untangled"


def tangled() -> bool:
    """Whether Textual's strips still keep themselves in their own caches: a divide at the strip's length or a
    crop_extend over its width (Textual's own methods, wrapped or not)."""
    divide = getattr(Strip.divide, "__wrapped__", Strip.divide)
    crop_extend = getattr(Strip.crop_extend, "__wrapped__", Strip.crop_extend)
    probe = Strip([Segment("ab")], 2)
    pieces = divide(probe, [2])
    if any(value is pieces and value[0] is probe for value in _cache_values(probe._divide_cache)):
        return True
    probe = Strip([Segment("ab")], 2)
    kept = crop_extend(probe, 0, 2, None)
    return kept is probe and any(value is probe for value in _cache_values(probe._crop_extend_cache))


def _cache_values(cache: Any) -> list[Any]:
    values = getattr(cache, "_cache", {})
    return list(values.values()) if isinstance(values, dict) else []


def untangle_strips() -> bool:
    """Wrap the two methods (once per process); False when already done or no longer needed."""
    if getattr(Strip, _WRAPPED, False) or not tangled():
        return False
    divide, crop_extend = Strip.divide, Strip.crop_extend

    def untangled_divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
        cuts = [cut for cut in cuts if cut <= self.cell_length]
        if cuts == [self.cell_length]:
            return [self]
        return divide(self, cuts)

    def untangled_crop_extend(self: Strip, start: int, end: int, style: Style | None) -> Strip:
        if start == 0 and end == self.cell_length:
            return self
        return crop_extend(self, start, end, style)

    wrappers: tuple[tuple[str, Any, Any], ...] = (("divide", untangled_divide, divide),
                                                  ("crop_extend", untangled_crop_extend, crop_extend))
    for name, wrapper, original in wrappers:
        wrapper.__wrapped__ = original
        wrapper.__doc__ = original.__doc__
        setattr(Strip, name, wrapper)
    setattr(Strip, _WRAPPED, True)
    return True

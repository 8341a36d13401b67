"""What a feed's workers hand to the UI thread (a poll's result, a built source), an error in words, and a
source's clock: read as of a state, paused and sped up by the commands a poll runs first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cockpit.messages import ClockInfo, SourceInfo
from cockpit.sources.base import ClockedSource, Source

if TYPE_CHECKING:
    from cockpit.feed_keys import EvaluationKey
    from cockpit.models import MarketState

MIN_SPEED, MAX_SPEED = 1.0, 86400.0


@dataclass(frozen=True, slots=True)
class PollResult:
    """What a poll worker returns to the UI thread: the state, its evaluation key, when it was polled.

    `cached` when the state is what the source held before asking anyone (the next poll follows at once).
    """

    state: MarketState
    key: EvaluationKey
    polled_at: float
    cached: bool = False


@dataclass(frozen=True, slots=True)
class Built:
    """What the build worker hands to the UI thread: the source and what it is."""

    source: Source
    info: SourceInfo


def describe(error: BaseException | None) -> str:
    """An exception in words, one line: `ValueError: boom`."""
    if error is None:
        return "unknown error"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def is_clocked(source: Source) -> bool:
    """Whether the source has a clock the user can pause and speed up (simulator, replay)."""
    return isinstance(source, ClockedSource)


def clock_info(source: Source, state: MarketState) -> ClockInfo:
    """The source's clock as of `state`."""
    clocked = is_clocked(source)
    return ClockInfo(
        kind=state.kind,
        label=state.label,
        now=state.as_of,
        clocked=clocked,
        paused=bool(getattr(source, "paused", False)) if clocked else False,
        speed=float(getattr(source, "speed", 0.0)) if clocked else None,
    )


def flip_pause(source: Any) -> None:
    """Pause a clocked source, or resume it."""
    source.paused = not source.paused


def scale_speed(factor: float, source: Any) -> None:
    """Multiply a clocked source's speed by `factor`, within MIN_SPEED..MAX_SPEED."""
    source.speed = min(MAX_SPEED, max(MIN_SPEED, max(float(source.speed), MIN_SPEED) * factor))

"""What a poll's state is keyed by: a poll with the key of the last evaluation needs none (pure).

The data a state holds, the profile, a live state's quarter hour and its sources' health without what only
the passing of time moves; and when a clocked screen can next show something new.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from cockpit.kinds import ProfileName

if TYPE_CHECKING:
    from cockpit.models import MarketState, SourceHealth

KEY_BUCKET_S = 900  # a live state is evaluated at least every quarter hour (sessions open and shut on those)
HealthKey = tuple[Any, ...]
# a string: the records load with the feed's worker, after the first frame
EvaluationKey: TypeAlias = "tuple[Any, ProfileName, int | None, tuple[HealthKey | SourceHealth, ...]]"


def data_version(state: MarketState) -> tuple[int, object]:
    """What identifies the data a state holds: a clock that moves on without a new bar needs no re-evaluation."""
    bars = state.bars
    return (bars.height, bars.get_column("ts").max() if bars.height else None)


def health_key(health: SourceHealth, as_of: datetime) -> HealthKey:
    """What of one source's health an evaluation reads, without what only the passing of time moves.

    The moment its data is from (as of minus age) stands for its age, and the moment of its next try for the
    countdown in its error; its state, STALE bit and error stay as they are, so an age crossing its limit
    (STALE) or a new fault still counts.
    """
    from cockpit.sources.live.health import without_countdown

    stamp = as_of.timestamp()
    data_at = None if health.age_s is None else round(stamp - health.age_s)
    retry_at = None if health.retry_in_s is None else round(stamp + health.retry_in_s)
    error = without_countdown(health.error, health.retry_in_s)
    return (health.name, data_at, health.state, health.stale, health.limit_s, error, retry_at)


def evaluation_key(state: MarketState, profile: ProfileName, clocked: bool) -> EvaluationKey:
    """What an evaluation of `state` depends on: a poll with the same key needs none.

    The data, the profile and the sources' health. A live source's health is keyed by its moments (not its
    ages, which move with every poll), and a live state by the quarter hour it is in, since sessions open and
    shut on the clock even without a new bar. A simulated or replayed clock keeps its health as it is: the
    simulator's is always fresh, and a replay re-evaluates as its clock moves, as before.
    """
    if clocked:
        return (data_version(state), profile, None, state.health)
    bucket = int(state.as_of.timestamp() // KEY_BUCKET_S)
    return (data_version(state), profile, bucket, tuple(health_key(h, state.as_of) for h in state.health))


RETRY_AT = 6  # where a health key holds the moment of the source's next try


def only_retries_moved(key: EvaluationKey, last: EvaluationKey | None) -> bool:
    """Whether two live keys differ only in when their sources next try: the same data, profile, quarter hour,
    and each source's data moment, state, STALE bit, limit and error (a failed retry, offline)."""
    if last is None or key == last or key[2] is None or key[:3] != last[:3] or len(key[3]) != len(last[3]):
        return False
    return all(isinstance(a, tuple) and isinstance(b, tuple) and a[:RETRY_AT] == b[:RETRY_AT]
               for a, b in zip(key[3], last[3], strict=True))


def until_shown_change_s(now: datetime) -> float:
    """Simulated seconds until a clocked screen can show something new at `now`.

    The clock is shown to the minute and ages of a minute or more in minutes, so the next change is the next
    minute; in the first minute of an hour (when the hourly bar has just closed) ages show seconds.
    """
    fraction = now.microsecond / 1e6
    if now.minute == 0:
        return 1.0 - fraction
    return 60.0 - now.second - fraction

"""Feeds: one thread worker per source, its timer re-armed only after each poll finishes, results as messages.

A feed builds its source in a worker (so nothing heavy is imported before the first frame), polls it in a
thread worker of its own group, evaluates the snapshot there too (analytics never run on the UI thread),
and posts immutable messages to its host. Worker endings are handled once, in `handle_worker`, which the
host calls from `on_worker_state_changed`; that is also where the next poll is armed, so polls never overlap.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.dom import DOMNode
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from cockpit.errors import UserError
from cockpit.feed_keys import EvaluationKey, evaluation_key, only_retries_moved, until_shown_change_s
from cockpit.feed_results import Built, PollResult, clock_info, describe, flip_pause, is_clocked, scale_speed
from cockpit.feed_story import StoryTelling
from cockpit.kinds import SourceKind
from cockpit.messages import (
    ClockInfo,
    ClockTicked,
    PollFailed,
    SnapshotComputed,
    SourceInfo,
    SourceOpened,
    SourceUnavailable,
)
from cockpit.sources.base import CachingSource, Source

if TYPE_CHECKING:
    from pathlib import Path

    from cockpit.config import Profile
    from cockpit.models import MarketState, ProfileName, Snapshot
    from cockpit.start_figures import StartFigures
    from cockpit.universe import Universe

PAUSED_POLL_S = 10.0
FILL_START_S = 5.0  # the week's story is told once the first figures have had the machine to themselves
FILL_PAUSE_S = 1.0  # between the budgets of the week's story told after the start: the screen stays responsive
MAX_CLOCKED_WAIT_S = 60.0  # a slow simulated clock is still polled at least once a minute
ClockCommand = Callable[[Any], None]


class Feed(StoryTelling):
    """Polls one source from a thread worker and posts `SnapshotComputed` (or `PollFailed`) to its host."""

    def __init__(
        self,
        name: str,
        factory: Callable[[], Source],
        profile: Profile,
        universe: Universe,
        *,
        interval_s: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        max_backoff_s: float = 60.0,
        keep_figures_in: Path | None = None,
        keep_start: tuple[StartFigures, str] | None = None,
    ) -> None:
        self.name = name
        self.keep_figures_in = keep_figures_in  # where a live source's last judged figures are kept for the next start
        # where the simulator's first judged figures are kept, under their key (None: kept already, or not wanted)
        self._keep_start = keep_start
        self.profile = profile
        self.start_profile = profile.name
        self.universe = universe
        self.interval_s = interval_s
        self.max_backoff_s = max_backoff_s
        self.source: Source | None = None
        self.info: SourceInfo | None = None
        self.last_good_at: float | None = None
        self.failures = 0
        self.polls = 0
        self._factory = factory
        self._monotonic = monotonic
        self._host: DOMNode | None = None
        self._timer: Timer | None = None
        self._in_flight = False
        self._pending = False
        self._stopped = False
        self._last_state: MarketState | None = None
        self._last_key: EvaluationKey | None = None
        self._asked_cache = False  # the first poll asks the source for what it holds (cached_state), once
        self.settled = False  # the source has answered a real poll (not only from its cache), or failed one
        self._commands: deque[ClockCommand] = deque()
        self._views: dict[ProfileName, dict[Any, Any]] = {}  # past hours' views, per profile (poll thread only)
        self.flag_log: Any = None  # a FlagLog, opened by the first story; None when the data folder is unusable
        self._log_error: str | None = None
        self._story_lock = threading.Lock()  # a poll and a profile re-evaluation may tell stories at once
        self._judged: set[ProfileName] = set()  # profiles with a full evaluation done (their hours memoized)
        self._filling = False  # a worker is telling the next past hours of the story's week
        self._fill_timer: Timer | None = None
        self._stages: tuple[Any, Any] | None = None  # (bars and hour, their stage evidence): under the story lock
        self._moments: dict[ProfileName, Any] = {}  # each profile's last judged snapshot: the story's moment
        self._shown: set[ProfileName] = set()  # profiles whose judged figures are on screen already (no preview)

    @property
    def group(self) -> str:
        """The worker group of this feed's polls (one per source)."""
        return f"feed:{self.name}"

    @property
    def busy(self) -> bool:
        """True while a build or poll worker is running."""
        return self._in_flight

    @property
    def host(self) -> DOMNode:
        """The node that runs this feed's workers and timers and receives its messages."""
        if self._host is None:
            raise RuntimeError(f"feed {self.name} is not attached")
        return self._host

    def attach(self, host: DOMNode) -> None:
        """Run workers and timers on `host`; messages go there too."""
        self._host = host

    def start(self) -> None:
        """Build the source in a thread worker; the first poll follows as soon as it is built."""
        if self._stopped or self._in_flight or self.source is not None:
            return  # stopped before its deferred start, or started already
        self._in_flight = True
        self.host.run_worker(self._build, name=f"{self.group}:build", group=self.group, thread=True,
                             exit_on_error=False)

    def _build(self) -> Built:
        from cockpit.memory import release_freed_memory

        release_freed_memory()  # before the source builds its first frames (off the UI thread: ctypes, ldconfig)
        source = self._factory()
        info = SourceInfo(source.name, source.kind, "", is_clocked(source), float(source.poll_interval_s))
        self.host.post_message(SourceOpened(self.name, info))
        return Built(source, info)

    def request_poll(self) -> bool:
        """Poll now; when a poll is in flight, poll again as soon as it finishes. False if none started now."""
        if self.source is None or self._stopped:
            return False
        if self._in_flight:
            self._pending = True
            return False
        self._cancel_timer()
        self._in_flight = True
        cached = not self._asked_cache and isinstance(self.source, CachingSource)
        self._asked_cache = True
        work = partial(self._poll, self.source, self.profile, self._last_key, cached)
        self.host.run_worker(work, name=f"{self.group}:poll", group=self.group, thread=True, exit_on_error=False)
        return True

    def _poll(self, source: Source, profile: Profile, last_key: EvaluationKey | None,
              cached: bool = False) -> PollResult:
        """One poll: `cached` asks for what the source holds before any network answer (the first poll)."""
        while self._commands:
            self._commands.popleft()(source)
        state = source.cached_state() if cached and isinstance(source, CachingSource) else source.poll()
        polled_at = self._monotonic()
        clock = clock_info(source, state)
        key = evaluation_key(state, profile.name, clock.clocked)
        moment = self._moments.get(profile.name)
        if key == last_key:
            self.host.post_message(ClockTicked(self.name, clock))
        elif moment is not None and only_retries_moved(key, last_key):
            # a failed retry, offline: the same bars and faults, new moments to try again; nothing to judge again
            from cockpit.snapshot import with_new_health

            # the kept figures stay those of the last answer: a restart ages them from their own moment
            self._post_judged(with_new_health(moment, state, profile), state, profile, clock, polled_at, keep=False)
            self._tell_story(state, profile)  # with that moment: the bars' stages are kept, the views memoized
        else:
            self._post_snapshots(state, profile, clock, polled_at)
            if not cached:  # the network's answer follows at once, and it always differs (no longer connecting)
                self._tell_story(state, profile)
        return PollResult(state, key, polled_at, cached)

    @property
    def started(self) -> bool:
        """Start-up is over: the source answered a real poll (or failed one) and the story's week is told."""
        state = self._last_state
        return self.settled and not self._filling and (
            state is None or self.week_told(self.profile.name, state.as_of))

    def _post_snapshots(self, state: MarketState, profile: Profile, clock: ClockInfo, polled_at: float) -> None:
        """Post the snapshot of `state`; a profile's first one is preceded by its figures alone (a preview),
        since its first full evaluation judges every hour of the span window (a second or more, cold)."""
        from cockpit.snapshot import build_snapshot, preview_snapshot

        if profile.name not in self._judged and profile.name not in self._shown:
            preview = preview_snapshot(state, profile, self.universe)
            self.host.post_message(SnapshotComputed(self.name, preview, clock, polled_at))
        snapshot = build_snapshot(state, profile, self.universe)
        self._judged.add(profile.name)
        self._post_judged(snapshot, state, profile, clock, polled_at)

    def _post_judged(self, snapshot: Snapshot, state: MarketState, profile: Profile, clock: ClockInfo,
                     polled_at: float, *, keep: bool = True) -> None:
        self._moments[profile.name] = snapshot
        if keep and self.keep_figures_in is not None and not clock.clocked and snapshot.source is SourceKind.LIVE:
            self._keep(self.keep_figures_in, snapshot)
        self.host.post_message(SnapshotComputed(self.name, snapshot, clock, polled_at, state))
        if self._keep_start is not None and clock.clocked and snapshot.source is SourceKind.DEMO:
            self._keep_first(*self._keep_start, snapshot)

    def figures_shown(self, profile: ProfileName) -> None:
        """`profile`'s judged figures are on screen already (kept from the last start): its first evaluation
        posts no preview, which would say less than what is shown."""
        self._shown.add(profile)

    def _keep_first(self, start: StartFigures, key: str, snapshot: Snapshot) -> None:
        """Keep the simulator's first judged figures for the next start with the same key (once)."""
        from cockpit.start_figures import keep_start_figures

        self._keep_start = None
        if snapshot.profile is not self.start_profile:
            return  # the profile changed before the first figures: they are not the start's
        try:
            keep_start_figures(start, snapshot, key)
        except OSError:
            pass

    def _keep(self, folder: Path, snapshot: Snapshot) -> None:
        """Keep the judged live figures for the next start; a folder that cannot be written only loses that."""
        from cockpit.sources.live.screen_cache import keep_figures

        try:
            keep_figures(folder, snapshot, self.universe)
        except OSError:
            pass

    def set_profile(self, profile: Profile) -> None:
        """Switch profile and re-evaluate the last market state for it at once, off the UI thread."""
        self.profile = profile
        state, source = self._last_state, self.source
        if state is None or source is None or self._stopped:
            return
        work = partial(self._evaluate, source, state, profile)
        self.host.run_worker(work, name=f"{self.group}:eval", group=f"{self.group}:eval", thread=True,
                             exit_on_error=False, exclusive=True, description="evaluate the last state again")

    def _evaluate(self, source: Source, state: MarketState, profile: Profile) -> PollResult:
        polled_at = self._monotonic()
        self._post_snapshots(state, profile, clock_info(source, state), polled_at)
        self._tell_story(state, profile)
        return PollResult(state, evaluation_key(state, profile.name, is_clocked(source)), polled_at)

    def adjust_clock(self, *, toggle_pause: bool = False, speed_factor: float | None = None) -> bool:
        """Queue a clock change for the next poll (which starts now); False when the source has no clock."""
        if self.source is None or not is_clocked(self.source):
            return False
        if toggle_pause:
            self._commands.append(flip_pause)
        if speed_factor is not None:
            self._commands.append(partial(scale_speed, speed_factor))
        self.request_poll()
        return True

    def handle_worker(self, worker: Worker[Any], state: WorkerState) -> bool:
        """Handle the end of one of this feed's workers (True if it was ours); re-arms the poll timer.

        `state` is the state the event announced, not `worker.state`: on a busy UI thread a worker can be over
        before its PENDING and RUNNING events are handled, and reading its state then would end it three times.
        """
        if worker.group not in (self.group, f"{self.group}:eval", f"{self.group}:story"):
            return False
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return True
        kind = worker.name.rsplit(":", 1)[-1]
        if kind == "story":
            self._filling = False
            if worker.state is WorkerState.SUCCESS:  # a failing story is not retried
                self._schedule_fill(FILL_PAUSE_S)
        elif kind == "eval":
            self._finish_eval(worker)
        elif kind == "build":
            self._finish_build(worker)
        else:
            self._finish_poll(worker)
        return True

    def _finish_build(self, worker: Worker[Any]) -> None:
        self._in_flight = False
        if worker.state is WorkerState.SUCCESS and isinstance(worker.result, Built):
            if self._stopped:
                worker.result.source.close()
                return
            self.source, self.info = worker.result.source, worker.result.info
            self._arm(0.0)
        elif worker.state is WorkerState.ERROR:
            error = worker.error
            reason = str(error) if isinstance(error, UserError) else describe(error)
            self.host.post_message(SourceUnavailable(self.name, reason, user_error=isinstance(error, UserError)))

    def _finish_poll(self, worker: Worker[Any]) -> None:
        self._in_flight = False
        prompt = False
        if worker.state is WorkerState.SUCCESS and isinstance(worker.result, PollResult):
            result = worker.result
            self._last_state, self._last_key = result.state, result.key
            self.last_good_at = result.polled_at
            self.failures = 0
            self.polls += 1
            prompt = result.cached  # the network's answer next, as soon as it comes
            self.settled = self.settled or not result.cached
        elif worker.state is WorkerState.ERROR:
            self.failures += 1
            self.settled = True
            self.host.post_message(PollFailed(self.name, describe(worker.error), self._monotonic(),
                                              self.last_good_at, self.failures))
        pending, self._pending = self._pending, False
        self._schedule_fill(FILL_START_S)
        if prompt and not pending and not self._stopped:
            self._cancel_timer()  # the cached figures are drawn first, then the network is asked
            self.host.call_after_refresh(self.request_poll)
            return
        self._arm(0.0 if pending else self.next_delay())

    def _schedule_fill(self, delay: float) -> None:
        """Tell the week's next past hours after `delay` (once: a fill already armed or running is kept)."""
        if self._fill_timer is None and not self._filling and not self._stopped:
            self._fill_timer = self.host.set_timer(delay, self._on_fill_timer, name=f"{self.group}:fill")

    def _on_fill_timer(self) -> None:
        self._fill_timer = None
        self._fill_week()

    def _finish_eval(self, worker: Worker[Any]) -> None:
        if worker.state is WorkerState.SUCCESS and isinstance(worker.result, PollResult):
            self._last_key = worker.result.key
            self._schedule_fill(FILL_START_S)  # the new profile's week
        elif worker.state is WorkerState.ERROR:
            self.host.post_message(PollFailed(self.name, describe(worker.error), self._monotonic(),
                                              self.last_good_at, self.failures + 1))

    def next_delay(self) -> float:
        """The poll interval, doubled per consecutive failure up to `max_backoff_s`."""
        base = 1.0 if self.info is None else self.info.poll_interval_s
        if self.interval_s is not None:
            base = self.interval_s
        if self.source is not None and getattr(self.source, "paused", False):
            return max(base, PAUSED_POLL_S)  # nothing moves; un-pausing polls at once
        if not self.failures:
            return base if self.interval_s is not None else max(base, self._clocked_wait())
        backoff: float = base * 2.0 ** min(self.failures, 10)
        return min(self.max_backoff_s, backoff)

    def _clocked_wait(self) -> float:
        """Real seconds until a running simulated clock next changes what the screen shows (0 if not clocked)."""
        source, state = self.source, self._last_state
        speed = float(getattr(source, "speed", 0.0) or 0.0)
        if source is None or state is None or not is_clocked(source) or speed <= 0:
            return 0.0
        return min(MAX_CLOCKED_WAIT_S, until_shown_change_s(state.as_of) / speed + 0.01)

    def _arm(self, delay: float) -> None:
        if self._stopped:
            return
        self._cancel_timer()
        # Textual timers need a positive delay; "now" is the next tick of the event loop.
        self._timer = self.host.set_timer(max(delay, 0.001), self._on_timer, name=f"{self.group}:timer")

    def _on_timer(self) -> None:
        self._timer = None
        self.request_poll()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def stop(self) -> None:
        """Stop polling and release the source."""
        self._stopped = True
        self._cancel_timer()
        if self._fill_timer is not None:
            self._fill_timer.stop()
            self._fill_timer = None
        source, self.source = self.source, None
        if source is not None:
            source.close()
        if self.flag_log is not None:
            self.flag_log.close()

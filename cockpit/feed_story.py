"""A feed's story: the week of hourly views behind the flag log and the cause map, told off the UI thread.

A mixin of `Feed` (its host, source state, profile and timers are the feed's). The story is told after every
poll that brings something new (from the hours already told, so only new hours are evaluated), and, after
the start, a budget of past hours at a time in a worker of its own until the week is told.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from cockpit.feed_keys import data_version
from cockpit.messages import StoryComputed
from cockpit.universe import floor_hour

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from cockpit.models import MarketState, ProfileName
    from cockpit.settings import Profile
    from cockpit.universe import Universe

STORY_HOURS = 24 * 7  # the flag log and the cause map look back a week
STORY_BUDGET = 12  # past hours evaluated per poll: the week fills in behind the first figures


class StoryTelling:
    """The week's story of a feed: its hours per profile, the flag log it keeps, the worker that fills it."""

    name: str
    profile: Profile
    universe: Universe
    _last_state: MarketState | None
    _stopped: bool
    _filling: bool
    _views: dict[ProfileName, dict[Any, Any]]
    flag_log: Any
    _log_error: str | None
    _story_lock: threading.Lock
    _stages: tuple[Any, Any] | None
    _moments: dict[ProfileName, Any]

    if TYPE_CHECKING:  # the feed's
        @property
        def host(self) -> DOMNode: ...

        @property
        def group(self) -> str: ...

    def week_told(self, profile: ProfileName, as_of: datetime) -> bool:
        """Whether every past hour of the story's week up to `as_of` has been evaluated for `profile`."""
        cache = self._views.get(profile, {})
        end = floor_hour(as_of)
        return all(end - timedelta(hours=k) in cache for k in range(0 if end < as_of else 1, STORY_HOURS + 1))

    def _tell_story(self, state: MarketState, profile: Profile) -> None:
        """Evaluate the week up to `state` (past hours cached), keep its spans in the flag log, post the story."""
        with self._story_lock:
            self._tell_story_locked(state, profile)

    def _tell_story_locked(self, state: MarketState, profile: Profile) -> None:
        from cockpit.story import bar_stages, story, timeline

        cache = self._views.setdefault(profile.name, {})
        # the bars' stage evidence is kept while the bars and the hour are (a poll with only new health)
        stages_key = (data_version(state), floor_hour(state.as_of))
        if self._stages is None or self._stages[0] != stages_key:
            self._stages = (stages_key, bar_stages(state, self.universe, STORY_HOURS))
        views = timeline(state, profile, self.universe, STORY_HOURS, cache, budget=STORY_BUDGET,
                         moment=self._moments.get(profile.name),  # the moment just judged is not judged again
                         stages=self._stages[1])
        horizon = views[0].as_of if views else state.as_of
        for at in [at for at in cache if at < horizon]:
            del cache[at]  # bounded: a week of hours per profile
        told = story(views, profile.regime_hold_h)
        acknowledged = self._write_log(state, told)
        self.host.post_message(StoryComputed(self.name, profile.name, told, self._log_error, acknowledged))
        if self.week_told(profile.name, state.as_of):  # start-up is over: what lives now lives as long as the app
            from cockpit.memory import settle_collector

            settle_collector()

    def _write_log(self, state: MarketState, told: Any) -> frozenset[tuple[str, datetime]]:
        """Keep the story's spans in the data folder's log; the spans acknowledged there (in any session)."""
        import sqlite3

        from cockpit.errors import UserError
        from cockpit.journal.flaglog import FlagLog

        try:
            if self.flag_log is None:
                self.flag_log = FlagLog(source=state.kind.value, label=state.label)
            self.flag_log.write(told.spans)
            self._log_error = None
            return self.flag_log.acknowledged_spans()  # type: ignore[no-any-return]
        except (UserError, sqlite3.Error) as exc:
            self._log_error = str(exc)
            return frozenset()

    def _fill_week(self) -> None:
        """While the story's week is incomplete, tell its next past hours (a budget at a time, a second apart,
        from five seconds after a poll) in a worker of its own, so the week is told within half a minute of
        the start instead of over the first polls (14 minutes at --speed 1), and a screen left open does
        nothing else once it is."""
        state, profile = self._last_state, self.profile
        if self._filling or self._stopped or state is None or self.week_told(profile.name, state.as_of):
            return
        self._filling = True
        self.host.run_worker(partial(self._tell_story, state, profile), name=f"{self.group}:story",
                             group=f"{self.group}:story", thread=True, exit_on_error=False,
                             description="tell the next past hours of the week")  # not repr(): the whole state

"""Flags pane: the rule engine's live flags, newest first, one line each; Enter opens a flag's evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from cockpit.kinds import FlagId, Severity
from cockpit.widgets.text_block import TextBlock

if TYPE_CHECKING:
    from cockpit.models import Flag
    from cockpit.story import Story
from cockpit.widgets.format import age_text, styled
from cockpit.widgets.pane import Pane
from cockpit.widgets.pane_view import FLAG_ROWS, PANE_TITLES, PaneContext, PaneView, flag_ages, freshness

NOTHING_FIRING = "no rule is firing"
SEVERITY_WORDS = {Severity.CRITICAL: "CRIT", Severity.WARNING: "WARN", Severity.INFO: "INFO"}
SEVERITY_STYLES = {Severity.CRITICAL: "bold $alert", Severity.WARNING: "bold $warning", Severity.INFO: "$text-muted"}


@dataclass(frozen=True, slots=True)
class FlagRow:
    """One flag line: a live flag and how long it has been up (seconds of source time), or an ended span."""

    flag: Flag
    age_s: float | None
    ended: datetime | None = None  # an ended span, greyed until acknowledged

    @property
    def since(self) -> datetime | None:
        """The start of the flag's span, when known."""
        return self.flag.since

    def markup(self) -> str:
        """The one-line form: severity word, age, id, message (an ended span greyed, with its end)."""
        sev = self.flag.severity
        if self.ended is not None:
            return styled(f"{SEVERITY_WORDS[sev]:<4} ended {self.ended:%a %H:%MZ} {self.flag.id.value} "
                          f"{self.flag.message}", "$text-muted")
        return " ".join([
            styled(f"{SEVERITY_WORDS[sev]:<4}", SEVERITY_STYLES[sev]),
            styled(f"{age_text(self.age_s):>5}", "$text-muted"),
            styled(self.flag.id.value, SEVERITY_STYLES[sev] if sev is Severity.CRITICAL else "bold"),
            styled(self.flag.message, None),
        ])


def track_first_seen(
    seen: Mapping[FlagId, datetime], flags: tuple[Flag, ...], as_of: datetime, previous: datetime | None = None
) -> tuple[dict[FlagId, datetime], tuple[Flag, ...]]:
    """When each live flag's span began (its `since`, else when first seen), and the spans new at `as_of`.

    A flag is new once per span: the same span seen again (held, or re-evaluated) is not news. A span older
    than the window reads as starting at the window's first hour, later every hour; a `since` at or before
    the `previous` evaluation of a flag already up is that same span, and keeps the earlier start.
    """
    updated: dict[FlagId, datetime] = {}
    new = []
    for f in flags:
        known = seen.get(f.id)
        continuing = known is not None and (
            f.since is None or f.since == known or (previous is not None and f.since <= previous))
        if continuing:
            assert known is not None
            updated[f.id] = min(known, f.since) if f.since is not None else known
        else:
            updated[f.id] = f.since or as_of
            new.append(f)
    return updated, tuple(new)


def ended_rows(ctx_story: Story | None, live: tuple[Flag, ...],
               acknowledged: frozenset[tuple[str, datetime]]) -> tuple[FlagRow, ...]:
    """The week's ended spans not yet acknowledged, newest first (a flag live again shows once, live)."""
    if ctx_story is None:
        return ()
    from cockpit.models import Flag  # loaded by the feed's worker long before a story is told

    rows = [FlagRow(Flag(s.id, s.severity, s.message, s.evidence, since=s.since), None, ended=s.until)
            for s in ctx_story.spans if s.until is not None and (s.id.value, s.since) not in acknowledged]
    return tuple(sorted(rows, key=lambda r: r.ended or r.flag.since, reverse=True))  # type: ignore[arg-type, return-value]


def flag_rows(flags: tuple[Flag, ...], seen: Mapping[FlagId, datetime], as_of: datetime,
              extra_s: float = 0.0) -> tuple[FlagRow, ...]:
    """Rows for the live flags, each with its age since its span began (else since the screen first saw it), at
    `as_of` plus `extra_s`: the clock's move since the flags were judged (between bars the age goes on counting)."""
    return tuple(FlagRow(f, None if age is None else age + extra_s)
                 for f, age in zip(flags, flag_ages(flags, seen, as_of), strict=True))


def order_rows(rows: tuple[FlagRow, ...]) -> tuple[FlagRow, ...]:
    """Newest first; among flags of the same age the most severe first."""
    return tuple(sorted(rows, key=lambda r: (r.age_s if r.age_s is not None else 0.0, -r.flag.severity.rank)))


def _row_key(row: FlagRow) -> tuple[FlagId, datetime | None, bool]:
    return row.flag.id, row.flag.since, row.ended is None


class FlagList(Widget, can_focus=True):
    """A cursor list of flag lines; repaints only when its lines or cursor change. It is as tall as the most
    rows it has shown: a flag that ends and is acknowledged leaves a blank row rather than laying the whole
    screen out again (and the emphasis under it stays where it was)."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("enter", "choose", "Evidence"),
        Binding("a", "acknowledge", "Acknowledge"),
    ]
    DEFAULT_CSS = """
    FlagList { height: auto; min-height: 1; }
    """
    cursor: reactive[int] = reactive(0)

    class Chosen(Message):
        """The user asked for a flag's evidence."""

        def __init__(self, row: FlagRow) -> None:
            self.row = row
            super().__init__()

    class Acknowledged(Message):
        """The user acknowledged an ended span: it leaves the list."""

        def __init__(self, row: FlagRow) -> None:
            self.row = row
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.rows: tuple[FlagRow, ...] = ()
        self._lines: tuple[str, ...] = ()
        self._empty = NOTHING_FIRING
        self.tallest = FLAG_ROWS  # the most rows shown, and FLAG_ROWS at least: the list's height

    def set_rows(self, rows: tuple[FlagRow, ...], empty: str = "") -> None:
        """Show `rows`, keeping the cursor on the same flag when the order changes; `empty` is what an empty
        list says (by default that no rule is firing)."""
        lines = tuple(r.markup() for r in rows)
        empty = empty or NOTHING_FIRING
        if lines == self._lines and empty == self._empty and [_row_key(r) for r in rows] == [
                _row_key(r) for r in self.rows]:
            self.rows = rows  # the same text (an age between the changes of its text): nothing to repaint
            return
        if empty != self._empty:
            self._empty = empty
            self.refresh()
        current = _row_key(self.rows[self.cursor]) if 0 <= self.cursor < len(self.rows) else None
        resized = len(rows) > self.tallest
        self.tallest = max(self.tallest, len(rows))
        self.rows, self._lines = rows, lines
        ids = [_row_key(r) for r in rows]
        self.cursor = ids.index(current) if current in ids else min(self.cursor, max(0, len(rows) - 1))
        self.refresh(layout=resized)

    def render(self) -> Content:
        """One line per flag; the cursor line is reversed while focused."""
        if not self._lines:
            return Content.from_markup(styled(self._empty, "$text-muted"))
        lines = []
        for index, line in enumerate(self._lines):
            content = Content.from_markup(line)
            if index == self.cursor and self.has_focus:
                content = content.stylize("reverse")
            lines.append(content)
        return Content("\n").join(lines)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """One line per flag, as many as it has shown at most (FLAG_ROWS at least)."""
        return self.tallest

    def watch_cursor(self) -> None:
        """Repaint to move the highlight."""
        self.refresh()

    def on_focus(self) -> None:
        """Show the cursor."""
        self.refresh()

    def on_blur(self) -> None:
        """Hide the cursor."""
        self.refresh()

    def action_cursor(self, step: int) -> None:
        """Move the cursor."""
        if self.rows:
            self.cursor = (self.cursor + step) % len(self.rows)

    def action_acknowledge(self) -> None:
        """Acknowledge the ended span under the cursor (a live flag cannot be acknowledged away)."""
        if 0 <= self.cursor < len(self.rows):
            row = self.rows[self.cursor]
            if row.ended is None:
                self.app.notify("a live flag stays until its span ends", timeout=2)
                return
            self.post_message(self.Acknowledged(row))

    def action_choose(self) -> None:
        """Ask for the evidence of the flag under the cursor."""
        if 0 <= self.cursor < len(self.rows):
            self.post_message(self.Chosen(self.rows[self.cursor]))


def flags_verdict(rows: tuple[FlagRow, ...]) -> str:
    """How many flags, and how many critical."""
    if not rows:
        return styled("NO FLAGS", "bold $gain")
    critical = sum(1 for r in rows if r.flag.severity is Severity.CRITICAL)
    text = f"{len(rows)} flag{'s' if len(rows) != 1 else ''}"
    extra = styled(f" · {critical} CRITICAL", "bold $alert") if critical else ""
    return styled(text.upper(), "bold $warning") + extra


class FlagsPane(Pane):
    """Live flags, newest first; Enter on one opens its evidence."""

    PANE_KEY = "flags"
    TITLE = PANE_TITLES["flags"]
    HAS_CHART = False

    def compose(self) -> ComposeResult:
        """Verdict, the flag list, the profile's emphasis."""
        yield TextBlock("", classes="verdict")
        yield FlagList(id="flag-list")
        yield TextBlock("", classes="figures emphasis", steady=True)

    def render_view(self, ctx: PaneContext) -> PaneView:
        """Verdict, subtitle and the profile's emphasis (the list itself is shown by `show_context`)."""
        rows = flag_rows(ctx.snapshot.flags, ctx.first_seen, ctx.as_of, ctx.extra_age_s)
        state, subtitle = freshness(ctx, "flags", 0.0)
        if state == "ok":  # the flags' freshness is their data's (the other panes); say when they were judged
            subtitle = styled(f" judged {ctx.as_of:%H:%M}Z ", "$text-muted")
        cmap = ctx.story.cause_map if ctx.story is not None else None
        if cmap is not None and cmap.driver:
            driver = styled("driver ", "$text-muted") + styled(cmap.driver.replace("_", " "), "bold")
            emphasis_line = driver + styled("  (m: cause map and evidence)", "$text-muted")
            return PaneView(verdict=flags_verdict(rows), body=emphasis_line, subtitle=subtitle, state=state)
        emphasis = f"{ctx.profile.name.value}: " + " · ".join(ctx.profile.emphasis)
        return PaneView(verdict=flags_verdict(rows), body=styled(emphasis, "$text-muted"), subtitle=subtitle,
                        state=state)

    def show_context(self, ctx: PaneContext) -> None:
        """The live flags, newest first, then the verdict above them."""
        snap = ctx.snapshot
        live = order_rows(flag_rows(snap.flags, ctx.first_seen, ctx.as_of, ctx.extra_age_s))
        empty = "" if snap.judged else f"{snap.regime.evidence[0]}…" if snap.regime.evidence else "judging…"
        self.query_one(FlagList).set_rows(live + ended_rows(ctx.story, snap.flags, ctx.acknowledged), empty)
        super().show_context(ctx)

    def focus_list(self) -> None:
        """Put the keyboard on the flag list."""
        self.query_one(FlagList).focus()

"""The footer: the screen's keys on one line, one widget, drawn from the first frame and again only when they change.

Textual's Footer is a widget per key (a dozen here), composes none until the screen's first notice that its
bindings may have changed, and rebuilds every one at each notice (focus moved, the screen stack or layout
changed). The cockpit's screen gives ten such notices in its first half second, and each rebuild restyled a
dozen widgets on the UI thread while the first figures were on their way; the first frame had no keys at all.
This footer is one line of text: each shown binding's key and label (dim where the binding is disabled, a
click presses the key, as Textual's does), read from the screen's bindings when it is first drawn and looked
at again once per refresh after a notice, redrawn only when the keys, labels or their states changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class FooterEntry:
    """One key as the footer shows it."""

    key: str  # the binding's key, pressed when the entry is clicked
    display: str  # the key as the keymap shows it
    description: str
    enabled: bool


class CockpitFooter(Widget):
    """One line of the screen's shown keys, redrawn only when what it shows changed."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    CockpitFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(Widget.auto_links, False)  # the keys keep their colours: no link style over them
        self._queued = False
        self._shown: tuple[FooterEntry, ...] | None = None

    def on_mount(self) -> None:
        """Follow the screen's notices that its bindings may have changed."""
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        """Stop following them."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def shown_keys(self) -> tuple[FooterEntry, ...]:
        """What the footer would show now: one entry per action with a shown binding, in the screen's order."""
        app, seen, entries = self.app, set(), []
        for (_, binding, enabled, _tooltip) in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entries.append(FooterEntry(binding.key, app.get_key_display(binding), binding.description, enabled))
        return tuple(entries)

    @property
    def entries(self) -> tuple[FooterEntry, ...]:
        """The keys on screen (read from the bindings when first drawn)."""
        if self._shown is None:
            self._shown = self.shown_keys()
        return self._shown

    @property
    def text(self) -> str:
        """The line as plain text (for tests and the help)."""
        return " ".join(f"{e.display} {e.description}" for e in self.entries)

    def render(self) -> Content:
        """Each entry's key in bold and its label; a click on either presses the key."""
        parts = []
        for index, entry in enumerate(self.entries):
            dim = "" if entry.enabled else " dim"
            part = Content.assemble((entry.display, f"bold $footer-key-foreground{dim}"),
                                    (f" {entry.description}", f"$footer-description-foreground{dim}"))
            parts.append(part.stylize(Style.from_meta({"@click": f"press({index})"})))
        return Content(" ").join(parts)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """The screen's bindings may have changed: look once, after this refresh."""
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._queued:
            self._queued = True
            self.call_after_refresh(self._redraw_if_changed)

    def _redraw_if_changed(self) -> None:
        self._queued = False
        if not self.is_attached:
            return
        shown = self.shown_keys()
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def action_press(self, index: int) -> None:
        """A click on an entry: press its key (a disabled one rings the bell)."""
        entries = self.entries
        if not 0 <= index < len(entries):
            return
        if entries[index].enabled:
            self.app.simulate_key(entries[index].key)
        else:
            self.app.bell()

"""The footer: Textual's own, recomposed once per change of the keys it shows, not once per notice of one.

Textual's Footer rebuilds every key widget each time the screen says its bindings may have changed (focus
moved, the screen stack or layout changed), one rebuild per notice. At start-up the cockpit's screen gives
ten such notices within half a second, nearly all for the same keys, and each rebuild restyles a dozen
widgets on the UI thread while the first figures are on their way. This footer waits for the notices of one
refresh to be over and rebuilds only when the keys it would show, their labels or whether they are enabled
changed.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class CockpitFooter(Footer):
    """A Footer that recomposes at most once per refresh, and only when what it shows changed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._queued = False
        self._shown: tuple[Any, ...] | None = None

    def shown_keys(self) -> tuple[Any, ...]:
        """What the footer would show now: each shown binding's key, label, action, state and tooltip."""
        app = self.app
        keys = tuple(
            (binding.key, app.get_key_display(binding), binding.description, binding.action, binding.group,
             enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        return keys, self.show_command_palette, self.compact

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """The screen's bindings may have changed: look once, after this refresh."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._queued:
            self._queued = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._queued = False
        if not self.is_attached:
            return
        shown = self.shown_keys()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()

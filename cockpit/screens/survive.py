"""Screens that outlive an unexpected exception in one of their handlers: it is reported, the screen goes on."""

from __future__ import annotations

from textual.message import Message
from textual.message_pump import MessagePump


class ReportsErrors(MessagePump):
    """Mixed into a screen: a handler's unexpected exception goes to `app.survive` (crash report, one line).

    Textual stops a screen's message loop after an exception in a handler; here the exception is caught
    first, so the screen keeps answering. Where the app does not survive errors, it is raised as before.
    """

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)
        except Exception as error:
            survive = getattr(self.app, "survive", None)
            if not callable(survive) or not survive(error):
                raise

"""Writing a command's output: one place that copes with a closed, broken or full stdout.

`cockpit snapshot | head -1` (the reader left), `cockpit scenarios >&-` (no stdout at all) and
`cockpit watch > /dev/full` (disk full) end with one line on stderr, or silently for a reader that left,
never a traceback; output of work already saved (an import) may be lost without failing the command.
"""

from __future__ import annotations

import os
import sys

from cockpit.errors import CockpitError


class OutputError(CockpitError):
    """stdout cannot take the output; `reader_left` when the other end of a pipe closed."""

    def __init__(self, reason: str, *, reader_left: bool = False) -> None:
        super().__init__(reason)
        self.reader_left = reader_left


def _silence_stdout() -> None:
    """Point fd 1 at the null device, so the interpreter's last flush at exit cannot fail again."""
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 1)
        os.close(sink)
    except OSError:
        pass


def write_out(text: str, *, saved: str | None = None) -> bool:
    """Write `text` to stdout and flush; True when it got there.

    When stdout cannot take it, raise OutputError, unless `saved` says the command's work is already done
    (e.g. 'the import was saved'): then say so on stderr and return False.
    """
    stream = sys.stdout
    try:
        if stream is None:
            raise OutputError("stdout is closed")
        stream.write(text)
        stream.flush()
        return True
    except BrokenPipeError:
        _silence_stdout()
        failure = OutputError("the reader of the output went away", reader_left=True)
    except (OSError, ValueError) as exc:  # ValueError: I/O on a closed file
        _silence_stdout()
        failure = OutputError(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
    except OutputError as exc:
        failure = exc
    if saved is None:
        raise failure
    if not failure.reader_left:
        note(f"cockpit: {saved}; the summary could not be written to stdout ({failure})")
    return False


def note(line: str) -> None:
    """One line on stderr, if there is a stderr to write to."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass

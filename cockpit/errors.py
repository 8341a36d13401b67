"""The project's own error classes; vendor errors are translated into these at the source boundary."""

from __future__ import annotations


class CockpitError(Exception):
    """Base of every error the cockpit raises on purpose."""


class UserError(CockpitError):
    """Bad input from the user: printed as one line, exit status 2."""


class ConfigError(UserError):
    """A config or profile file that cannot be used (names the file, and the key or line)."""


class DataError(UserError):
    """A data file that is not bar data (names the file and what is missing)."""


class SourceError(CockpitError):
    """A source failed to deliver; `kind` is the fault class of RELIABILITY §1.5."""

    def __init__(self, message: str, *, kind: str = "transient", retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after_s = retry_after_s

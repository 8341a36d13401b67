"""Exchange keys held so they cannot leak: a masked wrapper, keyring/env loading, and log redaction.

Two real leaks are closed here: ccxt logs request headers (with the key) at DEBUG, and Textual's crash
report prints local variables. A key lives in a `Secret` whose repr is masked; every log record is
scrubbed of known secret values when it is created, whatever handler later writes it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

MASK = "****"
KEYRING_SERVICE = "cockpit"

_known: set[str] = set()
_lock = threading.Lock()
_factory_installed = False


class Secret:
    """A secret string: masked in repr, str and format; the value only through `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)
        remember(value)

    def reveal(self) -> str:
        """The raw value, for the one place that must hand it to a client."""
        return str(object.__getattribute__(self, "_value"))

    def hint(self) -> str:
        """Masked with the last four characters, for 'which key is this' displays."""
        value = self.reveal()
        return MASK + value[-4:] if len(value) >= 12 else MASK

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self.reveal())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.reveal() == self.reveal()

    def __hash__(self) -> int:
        return hash(("Secret", self.reveal()))

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("Secret is read-only")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or copied out")


@dataclass(frozen=True, slots=True, repr=False)
class ExchangeKeys:
    """Read-only API credentials for one venue; `origin` says where they came from (keyring or env)."""

    venue: str
    api_key: Secret
    secret: Secret
    password: Secret | None = None
    origin: str = "env"

    def __repr__(self) -> str:
        return f"ExchangeKeys(venue={self.venue!r}, api_key={self.api_key.hint()}, origin={self.origin!r})"

    def ccxt_config(self) -> dict[str, str]:
        """The credentials as ccxt constructor options (only ever passed straight into the client)."""
        config = {"apiKey": self.api_key.reveal(), "secret": self.secret.reveal()}
        if self.password:
            config["password"] = self.password.reveal()
        return config


def env_names(venue: str) -> tuple[str, str, str]:
    """COCKPIT_<VENUE>_API_KEY, _SECRET and _PASSWORD for a venue."""
    prefix = "COCKPIT_" + "".join(ch if ch.isalnum() else "_" for ch in venue.upper())
    return f"{prefix}_API_KEY", f"{prefix}_SECRET", f"{prefix}_PASSWORD"


def _keyring_lookup() -> Callable[[str, str], str | None] | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None

    def lookup(service: str, name: str) -> str | None:
        try:
            value = keyring.get_password(service, name)
        except (KeyringError, RuntimeError, OSError):
            return None
        return None if value is None else str(value)

    return lookup


def load_keys(
    venue: str,
    *,
    environ: Mapping[str, str] | None = None,
    keyring_get: Callable[[str, str], str | None] | None = None,
    use_keyring: bool = True,
) -> ExchangeKeys | None:
    """Keys for `venue` from the OS keyring (service 'cockpit', names '<venue>:api_key' ...), else the env."""
    lookup = keyring_get if keyring_get is not None else (_keyring_lookup() if use_keyring else None)
    if lookup is not None:
        key = lookup(KEYRING_SERVICE, f"{venue}:api_key")
        secret = lookup(KEYRING_SERVICE, f"{venue}:secret")
        if key and secret:
            password = lookup(KEYRING_SERVICE, f"{venue}:password")
            return ExchangeKeys(venue, Secret(key), Secret(secret), Secret(password) if password else None, "keyring")
    env = os.environ if environ is None else environ
    key_name, secret_name, password_name = env_names(venue)
    key, secret = env.get(key_name), env.get(secret_name)
    if key and secret:
        password = env.get(password_name)
        return ExchangeKeys(venue, Secret(key), Secret(secret), Secret(password) if password else None, "env")
    return None


def remember(value: str) -> None:
    """Add a value to the set scrubbed from every log record and error message."""
    if len(value) < 6:
        return
    with _lock:
        _known.add(value)
    install_redaction()


def redact(text: str) -> str:
    """`text` with every known secret value replaced by the mask."""
    if not _known:
        return text
    with _lock:
        values = sorted(_known, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactSecrets(logging.Filter):
    """A logging filter that scrubs known secret values from a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        scrub_record(record)
        return True


def scrub_record(record: logging.LogRecord) -> None:
    """Replace secrets in `record.msg` and `record.args` (arguments containing one become masked text)."""
    if not _known:
        return
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_scrub_arg(arg) for arg in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {key: _scrub_arg(arg) for key, arg in record.args.items()}


def _scrub_arg(arg: Any) -> Any:
    if isinstance(arg, (int, float, bool)) or arg is None:
        return arg
    text = str(arg)
    cleaned = redact(text)
    return cleaned if cleaned != text else arg


def install_redaction() -> None:
    """Scrub every log record at creation (covers handlers added later) and keep ccxt below DEBUG."""
    global _factory_installed
    with _lock:
        if _factory_installed:
            return
        _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub_record(record)
        return record

    logging.setLogRecordFactory(factory)
    ccxt_logger = logging.getLogger("ccxt")
    if ccxt_logger.level == logging.NOTSET or ccxt_logger.level < logging.INFO:
        ccxt_logger.setLevel(logging.INFO)

"""cockpit: a terminal cockpit for correlated stock and crypto selloffs."""

from __future__ import annotations

__version__ = "0.1.0"

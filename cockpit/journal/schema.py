"""The journal's schema, versioned with SQLite's user_version: migration N brings version N-1 to N.

Append a migration to change the schema; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: fills, keyed so an import of the same fill twice stores it once
    """
    CREATE TABLE fills (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        qty REAL NOT NULL CHECK (qty > 0),
        price REAL NOT NULL CHECK (price > 0),
        fee REAL NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'csv',
        UNIQUE (ts, symbol, side, qty, price, fee)
    );
    CREATE INDEX fills_symbol_ts ON fills (symbol, ts);
    """,
    # 2: checklist runs, saved step by step so a killed app loses nothing
    """
    CREATE TABLE checklist_runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        profile TEXT NOT NULL,
        source TEXT NOT NULL,
        decision TEXT CHECK (decision IN ('hedge', 'reduce', 'wait')),
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE checklist_steps (
        run_id INTEGER NOT NULL REFERENCES checklist_runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 5),
        name TEXT NOT NULL,
        question TEXT NOT NULL,
        readings TEXT NOT NULL,
        suggested TEXT,
        answer TEXT,
        overridden INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        seconds_spent REAL NOT NULL DEFAULT 0,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (run_id, step)
    );
    """,
    # 3: identical fills are distinct when they are distinct executions: `occurrence` numbers identical rows
    # of one import 0, 1, 2 ...; a venue's own trade id, when known, is the key of a synced fill. Rebuilt and
    # copied with the ids kept; a year stored unpadded (before year 1000) is padded so it loads again.
    """
    CREATE TABLE fills_v3 (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        qty REAL NOT NULL CHECK (qty > 0),
        price REAL NOT NULL CHECK (price > 0),
        fee REAL NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'csv',
        occurrence INTEGER NOT NULL DEFAULT 0 CHECK (occurrence >= 0),
        venue_trade_id TEXT,
        UNIQUE (ts, symbol, side, qty, price, fee, occurrence)
    );
    INSERT INTO fills_v3 (id, ts, symbol, side, qty, price, fee, source)
        SELECT id, CASE WHEN length(ts) < 27 THEN substr('000' || ts, -27) ELSE ts END,
               symbol, side, qty, price, fee, source
        FROM fills;
    DROP TABLE fills;
    ALTER TABLE fills_v3 RENAME TO fills;
    CREATE INDEX fills_symbol_ts ON fills (symbol, ts);
    CREATE UNIQUE INDEX fills_venue_trade ON fills (source, venue_trade_id) WHERE venue_trade_id IS NOT NULL;
    """,
    # 4: an unfinished checklist run is held by the cockpit writing it (who, and until when), so a second
    # cockpit on the same data folder offers to resume only a run nobody holds
    """
    ALTER TABLE checklist_runs ADD COLUMN owner TEXT;
    ALTER TABLE checklist_runs ADD COLUMN lease_until TEXT;
    """,
    # 5: the book's holdings typed in or imported (open lots of the fills are computed, never stored); qty is
    # signed (a short is negative), price and stop are optional
    """
    CREATE TABLE holdings (
        id INTEGER PRIMARY KEY,
        symbol TEXT NOT NULL,
        qty REAL NOT NULL CHECK (qty != 0),
        price REAL CHECK (price IS NULL OR price > 0),
        stop REAL CHECK (stop IS NULL OR stop > 0),
        source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import')),
        added_at TEXT NOT NULL
    );
    CREATE INDEX holdings_symbol ON holdings (symbol);
    """,
    # 6: a finished checklist run keeps the brief of the moment its decision was saved (the brief's JSON);
    # NULL for runs saved before, and for runs not finished
    """
    ALTER TABLE checklist_runs ADD COLUMN brief TEXT;
    """,
)

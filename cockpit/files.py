"""Files written whole or not at all: a temporary file beside the target, then a rename over it.

A crash, a full disk or a second cockpit writing the same file at once leaves the old file or the new one,
never half of either: each writer (process and thread) has its own temporary file, created with the
permissions any new file gets (the umask's), so an exported review reads like any other file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) in one rename; on failure the old file stays and OSError is raised."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

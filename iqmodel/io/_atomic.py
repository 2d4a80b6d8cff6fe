"""Atomic file writes: write a temporary file next to the target, then rename it into place."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd

__all__ = ["atomic_write", "atomic_write_text", "write_table"]


def atomic_write(path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place.

    An interrupted or failing write leaves ``path`` untouched and no temporary file behind.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, flushed to disk before the rename."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())

    return atomic_write(path, write)


def write_table(table: pd.DataFrame, path, *, index: bool = False) -> Path:
    """Write a DataFrame as tab-separated text atomically; ``.gz`` paths are gzip-compressed."""
    compression = "gzip" if str(path).endswith(".gz") else None
    return atomic_write(
        path,
        lambda tmp: table.to_csv(tmp, sep="\t", index=index, compression=compression),
    )

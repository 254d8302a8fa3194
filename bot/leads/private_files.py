"""Exports that hold patients' data: written readable by their owner only, from the first byte."""

from __future__ import annotations

import os


def write_private(path: str, text: str) -> None:
    """Write `text` to `path` with mode 0600 (also when the file already existed)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:  # CSV keeps its own line ends
        handle.write(text)
    os.chmod(path, 0o600)

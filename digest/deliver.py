"""Deliver stage: put the rendered briefing where the config says, atomically.

Each file is written to a temporary name in the same folder and renamed over the
target, so a reader (or a crash) never sees half a briefing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import DeliveryError

EXTENSIONS = {"md": ".md", "html": ".html", "pdf": ".pdf", "json": ".json"}


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_outputs(
    outputs: Mapping[str, bytes],
    directory: Path,
    stem: str,
    *,
    archive: str | None = None,
    latest: str | None = None,
) -> list[Path]:
    """Write every rendered format: dated names (in ``archive`` if given), then the stable
    ``latest`` names. All formats are rendered before the first file is written."""
    written = []
    dated = directory / archive if archive else directory
    try:
        for fmt, data in outputs.items():
            path = dated / f"{stem}{EXTENSIONS[fmt]}"
            write_atomic(path, data)
            written.append(path)
        for fmt, data in outputs.items() if latest else ():
            path = directory / f"{latest}{EXTENSIONS[fmt]}"
            write_atomic(path, data)
            written.append(path)
    except OSError as exc:
        raise DeliveryError(f"cannot write to {directory}: {exc.strerror or exc}") from exc
    return written

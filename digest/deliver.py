"""Deliver stage: put the rendered briefing where the config says, all of it or none.

A briefing is several files (md, html, pdf, json, and their ``latest`` copies) that must
agree: ``digest send`` mails the JSON's text with the PDF. So they are written as one
transaction:

1. every file is written in full to a temporary name beside its target and synced; any
   failure (a full disk, a folder where a file should go) removes them all, and the
   previous briefing stands untouched;
2. a journal listing each temporary name and its target is written (atomically): from
   this moment the new briefing is committed;
3. each temporary file is renamed over its target, then the journal is removed.

A run killed during step 3 leaves the journal; the next ``write_outputs`` or
``recover`` (``digest build`` and ``digest send`` call it first) rolls it forward, so
readers get the previous set or the new set, never a mix. Temporary files that no
journal names are what a run killed before step 2 left, and are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import DeliveryError

EXTENSIONS = {"md": ".md", "html": ".html", "pdf": ".pdf", "json": ".json"}
JOURNAL = ".digest-journal.json"
_TEMP_SUFFIX = ".digest-tmp"
# what earlier versions left behind: ".briefing-2025-06-06.md.k3j2h1.tmp"
_OLD_TEMP = re.compile(r"\..+\.(?:md|html|pdf|json)\.[A-Za-z0-9_]+\.tmp")


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """One file, replaced in one step (written to a temporary name, synced, renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _stage(path, data, mode)
    try:
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
    extra: Mapping[Path, bytes] | None = None,
) -> list[Path]:
    """Write every rendered format, dated names (in ``archive`` if given) and the stable
    ``latest`` names, as one transaction (see the module docstring); ``extra`` files
    (the briefings' feed, the archive's index) join the same transaction."""
    dated = directory / archive if archive else directory
    targets = [(dated / f"{stem}{EXTENSIONS[fmt]}", data) for fmt, data in outputs.items()]
    if latest:
        targets += [(directory / f"{latest}{EXTENSIONS[f]}", d) for f, d in outputs.items()]
    targets += list((extra or {}).items())
    staged: list[tuple[Path, Path]] = []
    try:
        recover(directory)
        for path, _ in targets:
            if path.is_dir() or (path.is_symlink() and not path.exists()):
                raise DeliveryError(f"cannot write {path}: a folder or broken link is in the way")
        for path, data in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_stage(path, data), path))
        journal = directory / JOURNAL
        entries = [[str(tmp), str(path)] for tmp, path in staged]
        write_atomic(journal, json.dumps(entries).encode("utf-8"))  # the commit point
    except (OSError, DeliveryError) as exc:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, DeliveryError):
            raise
        raise DeliveryError(f"cannot write to {directory}: {exc.strerror or exc}") from exc
    try:
        _roll_forward(journal)
    except OSError as exc:  # left for the next run to finish: the journal stands
        raise DeliveryError(
            f"cannot finish writing to {directory}: {exc.strerror or exc}; the next digest "
            "command completes it"
        ) from exc
    return [path for path, _ in targets]


def recover(directory: Path) -> None:
    """Finish a write a killed run committed, and remove what an uncommitted one left."""
    if not directory.is_dir():
        return
    journal = directory / JOURNAL
    named: set[Path] = set()
    if journal.exists():
        named = _roll_forward(journal)
    for folder in {directory, *(p for p in directory.iterdir() if p.is_dir())}:
        for tmp in folder.glob(".*"):
            stale = tmp.name.endswith(_TEMP_SUFFIX) or _OLD_TEMP.fullmatch(tmp.name)
            if stale and tmp not in named and tmp.is_file():
                with contextlib.suppress(OSError):
                    tmp.unlink()


def _stage(path: Path, data: bytes, mode: int = 0o644) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def _roll_forward(journal: Path) -> set[Path]:
    """Rename every staged file the journal names over its target, then drop the journal.
    Safe to repeat: a file already renamed is simply no longer there to rename."""
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
        pairs = [(Path(tmp), Path(final)) for tmp, final in entries]
    except (OSError, ValueError, TypeError) as exc:  # written atomically: should not be
        raise DeliveryError(f"unreadable delivery journal {journal}: {exc}") from exc
    for tmp, final in pairs:
        if tmp.exists():
            os.replace(tmp, final)
    _sync(journal.parent)
    journal.unlink()
    return {tmp for tmp, _ in pairs}


def _sync(folder: Path) -> None:
    """Make the renames in ``folder`` durable before the journal goes."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

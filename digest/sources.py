"""Source stage: read every configured source into raw documents.

A source that fails is recorded with its reason and the others go on: a briefing
built from four of five sources, saying which one failed, beats no briefing.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from .config import FileSource, LoadedConfig, Source
from .errors import SourceError
from .models import RawDocument, SourceInfo, SourceStatus, Status

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
}
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Collected:
    """What the source stage hands on: documents, and what happened to each source."""

    sources: tuple[SourceInfo, ...]
    documents: tuple[RawDocument, ...]
    statuses: tuple[SourceStatus, ...]


def describe(loaded: LoadedConfig) -> tuple[SourceInfo, ...]:
    """Number and name the configured sources as citations will show them."""
    infos: list[SourceInfo] = []
    taken = {s.id for s in loaded.config.sources if s.id}
    for number, source in enumerate(loaded.config.sources, start=1):
        location = source.path
        name = source.name or Path(location).name or location
        source_id = source.id or _unique(_slug(name), taken)
        taken.add(source_id)
        infos.append(
            SourceInfo(
                id=source_id,
                number=number,
                name=name,
                kind=source.kind,
                location=location,
                publisher=source.publisher,
                url=source.url,
                published=_as_datetime(source.published),
                weight=source.weight,
            )
        )
    return tuple(infos)


def collect(loaded: LoadedConfig) -> Collected:
    infos = describe(loaded)
    documents: list[RawDocument] = []
    statuses: list[SourceStatus] = []
    for info, source in zip(infos, loaded.config.sources, strict=True):
        try:
            found = list(_read(info, source, loaded))
        except SourceError as exc:
            statuses.append(SourceStatus(info.id, Status.FAILED, reason=str(exc)))
            continue
        documents.extend(found)
        status = Status.OK if found else Status.EMPTY
        reason = None if found else "no readable documents"
        statuses.append(SourceStatus(info.id, status, documents=len(found), reason=reason))
    return Collected(infos, tuple(documents), tuple(statuses))


def _read(info: SourceInfo, source: Source, loaded: LoadedConfig) -> Iterable[RawDocument]:
    if isinstance(source, FileSource):
        return _read_files(info, source, loaded)
    raise SourceError(f"unsupported source kind {source.kind!r}")  # pragma: no cover


def _read_files(info: SourceInfo, source: FileSource, loaded: LoadedConfig) -> list[RawDocument]:
    paths = _expand(source.path, loaded.base_dir)
    single = len(paths) == 1
    documents = []
    for path in paths:
        media_type = MEDIA_TYPES.get(path.suffix.lower())
        if media_type is None:
            if single:
                known = ", ".join(sorted(MEDIA_TYPES))
                raise SourceError(f"{path.name}: unsupported file type (expected one of {known})")
            continue
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SourceError(f"{path.name}: {size} bytes, over the {MAX_FILE_BYTES} limit")
            body = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
        documents.append(
            RawDocument(
                source_id=info.id,
                doc_id=path.name if single else _relative(path, loaded.base_dir),
                location=str(path),
                media_type=media_type,
                body=body,
                url=info.url,
                published=info.published,
            )
        )
    return documents


def _expand(pattern: str, base: Path) -> list[Path]:
    """One file, every known file in a folder, or a glob; sorted so runs are repeatable."""
    target = base / pattern
    if glob.has_magic(pattern):
        matches = [Path(p) for p in glob.glob(str(target), recursive=True)]
        return sorted(p for p in matches if p.is_file() and p.suffix.lower() in MEDIA_TYPES)
    if target.is_dir():
        return sorted(
            p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_TYPES
        )
    if not target.exists():
        raise SourceError(f"{pattern}: file not found")
    return [target]


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = "s_" + slug
    return slug[:40]


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _as_datetime(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=UTC)

"""Screen stage: each article once, and only those published in the briefing's window.

The same article often arrives twice (two feeds, a feed and its page, a link
with tracking parameters); counting it twice would fake corroboration. Every
document left out is counted in its source's status, so nothing goes silently.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta, tzinfo
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .models import Digests, Document, SourceStatus, Status, Window

_WORD = re.compile(r"\w+")
# trackers news sites add that courlan's list lacks (CNBC, NYT, MSN, Guardian, …)
_TRACKERS = re.compile(r"^(cmpid|ocid|ncid|__source|smid|smtyp|ito|taid|mbid|cmp|sr_share)$", re.I)
_MIN_FINGERPRINT_WORDS = 30  # short texts (a title alone) are too alike to call the same article


def screen(
    documents: Sequence[Document],
    statuses: Iterable[SourceStatus],
    window: Window,
    zone: tzinfo,
) -> tuple[list[Document], tuple[SourceStatus, ...]]:
    """Drop repeated articles and those outside the window; say so in each source's status."""
    notes: dict[str, list[str]] = {}
    dropped: Counter[str] = Counter()

    def note(source_id: str, text: str, count: int) -> None:
        if count:
            notes.setdefault(source_id, []).append(text.format(n=count))

    once, repeats = _once(documents)
    for source_id, counts in repeats.items():
        for other, count in counts.items():
            where = "this source" if other == source_id else other
            note(source_id, f"{{n}} repeated article(s) already read from {where}", count)
            dropped[source_id] += count

    kept: list[Document] = []
    early: Counter[str] = Counter()
    undated: Counter[str] = Counter()
    for document in once:
        if document.published is None:
            undated[document.source_id] += 1
            if window.start is not None and window.undated == "drop":
                dropped[document.source_id] += 1
                continue
        elif not window.holds(document.published, zone):
            early[document.source_id] += 1
            dropped[document.source_id] += 1
            continue
        kept.append(document)
    if window.start is not None:
        span = _span(window.end - window.start)
        for source_id, count in early.items():
            note(source_id, f"{{n}} outside the {span} window", count)
        for source_id, count in undated.items():
            verb = "dropped" if window.undated == "drop" else "kept"
            note(source_id, f"{{n}} undated, {verb}", count)
    return kept, tuple(_updated(s, dropped[s.source_id], notes.get(s.source_id)) for s in statuses)


def _once(
    documents: Sequence[Document],
) -> tuple[list[Document], dict[str, Counter[str]]]:
    """Keep the fullest copy of each article; a copy is the same URL (tracking
    parameters aside) or the same text."""
    best: dict[str, int] = {}  # key → index into documents of the copy kept
    alias: dict[int, int] = {}
    for i, document in enumerate(documents):
        keys = _keys(document)
        holders = {best[k] for k in keys if k in best}
        if not holders:
            for key in keys:
                best[key] = i
            continue
        holder = min(holders)
        keep, lose = (i, holder) if _size(document) > _size(documents[holder]) else (holder, i)
        for other in holders:
            for key in _keys(documents[other]):
                best[key] = keep
            if other != keep:
                alias[other] = keep
        for key in keys:
            best[key] = keep
        alias[lose] = keep
    repeats: dict[str, Counter[str]] = {}
    kept = []
    for i, document in enumerate(documents):
        if i in alias:
            target = alias[i]
            while target in alias:
                target = alias[target]
            repeats.setdefault(document.source_id, Counter())[documents[target].source_id] += 1
        else:
            kept.append(document)
    return kept, repeats


def _keys(document: Document) -> list[str]:
    found = document.digests
    return [k for k in (found.url_key, found.text_key) if k is not None]


def digests(document: Document) -> Digests:
    """``Document.digests``: the keys of ``_keys`` and the state store's content hash (see
    ``state.content_hash``), which hash the same words but for a document of titles only."""
    url_key = None
    if document.url and document.url.startswith(("http://", "https://")):
        url_key = "url:" + canonical_url(document.url)
    blocks = [b for b in document.blocks if b.kind != "title"]
    words = [w.casefold() for b in blocks for line in b.lines for w in _WORD.findall(line)]
    digest = hashlib.sha256(" ".join(words).encode()).hexdigest()
    text_key = "text:" + digest if len(words) >= _MIN_FINGERPRINT_WORDS else None
    if not blocks:
        titles = document.blocks
        words = [w.casefold() for b in titles for line in b.lines for w in _WORD.findall(line)]
        digest = hashlib.sha256(" ".join(words).encode()).hexdigest()
    return Digests(url_key, text_key, "sha256:" + digest)


def _size(document: Document) -> int:
    return sum(len(line) for b in document.blocks for line in b.lines)


def canonical_url(url: str) -> str:
    """One spelling per article: tracking parameters, fragments and default ports removed.

    courlan (trafilatura's URL library) knows the common trackers; its strict mode is
    not used because it also drops parameters that name the article (``?storyid=123``).
    """
    from courlan import normalize_url

    try:
        parts = urlsplit(str(normalize_url(url)))
    except (ValueError, TypeError):
        return url
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKERS.match(k)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours % 24 == 0 and hours >= 48:
        return f"{hours / 24:g}-day"
    return f"{hours:g}-hour" if hours >= 1 else f"{delta.total_seconds() / 60:g}-minute"


def _updated(status: SourceStatus, dropped: int, notes: list[str] | None) -> SourceStatus:
    if not notes:
        return status
    documents = max(0, status.documents - dropped)
    reason = "; ".join([*([status.reason] if status.reason else []), *notes])
    state = status.status
    if documents == 0 and state in (Status.OK, Status.NOT_MODIFIED):
        state = Status.EMPTY
    return replace(status, status=state, documents=documents, reason=reason)

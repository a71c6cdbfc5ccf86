"""The state store: what earlier runs saw, reported, wrote and sent, in one SQLite file.

It remembers documents seen (by canonical URL or document id, and by content hash),
the HTTP validators of the source stage, each run (build or send; times, source
statuses, outputs, exit code and the error it ended with), the items of each briefing
(by fingerprints of their statements) and each delivery. With it a briefing marks
every item new or already reported, ``digest send`` knows which briefing still has to
go out, and ``digest status`` tells an operator how the last runs went.

Every write method is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``), and the
database runs in WAL mode: a process killed halfway leaves the last committed state,
and readers never wait for a writer. Dates and times are stored as ISO 8601 text.
The schema is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` brings an
older file up to date in one transaction, so no version is ever half applied.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from .errors import StateError
from .models import Briefing, Document, Item, Section, SourceStatus, Status
from .screen import canonical_url
from .text import Stemmer

if TYPE_CHECKING:  # NumPy is imported where vectors are read, not by every command
    import numpy as np
    import numpy.typing as npt

Repeated = Literal["show", "mark", "hide"]
POLICIES: tuple[Repeated, ...] = ("show", "mark", "hide")
_IDS_PER_QUERY = 500  # well under SQLite's limit on a statement's parameters
MIN_STEMS = 3  # a text with fewer content stems ("Markets", "Read more") proves no repeat
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another writer before giving up

# Each entry upgrades the schema from version i to i + 1. Append only: never edit a
# released entry, since files in the field are already at that version.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: runs, documents, validators, briefing items
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            briefing_date TEXT NOT NULL,
            config_path TEXT NOT NULL,
            exit_code INTEGER,
            outputs TEXT NOT NULL DEFAULT '[]'
        )""",
        """CREATE TABLE run_sources (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            source_id TEXT NOT NULL,
            status TEXT NOT NULL,
            documents INTEGER NOT NULL,
            reason TEXT,
            PRIMARY KEY (run_id, position)
        )""",
        """CREATE TABLE documents (
            key TEXT PRIMARY KEY,
            source_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            first_run INTEGER REFERENCES runs(id),
            first_seen TEXT NOT NULL,
            last_run INTEGER REFERENCES runs(id),
            last_seen TEXT NOT NULL
        )""",
        """CREATE TABLE contents (
            content_hash TEXT PRIMARY KEY,
            first_run INTEGER REFERENCES runs(id),
            first_seen TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE validators (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            stored TEXT NOT NULL
        )""",
        """CREATE TABLE briefing_items (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            briefing_date TEXT NOT NULL,
            position INTEGER NOT NULL,
            section TEXT NOT NULL,
            text TEXT NOT NULL,
            first_reported TEXT,
            UNIQUE (briefing_date, position)
        )""",
        """CREATE TABLE item_fingerprints (
            item_id INTEGER NOT NULL REFERENCES briefing_items(id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL,
            PRIMARY KEY (item_id, fingerprint)
        ) WITHOUT ROWID""",
        "CREATE INDEX item_fingerprints_fingerprint ON item_fingerprints(fingerprint)",
    ),
    (  # 2: deliveries, so a failed send can be retried with `digest send`
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            at TEXT NOT NULL,
            ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
            recipients TEXT NOT NULL,
            error TEXT,
            files TEXT NOT NULL
        )""",
        "CREATE INDEX deliveries_run ON deliveries(run_id)",
    ),
    (  # 3: the inputs of each config's last build of a date, so a re-run can skip it
        """CREATE TABLE build_inputs (
            config_path TEXT NOT NULL,
            briefing_date TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            built TEXT NOT NULL,
            stable_until TEXT,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            outputs TEXT NOT NULL,
            PRIMARY KEY (config_path, briefing_date)
        ) WITHOUT ROWID""",
    ),
    (  # 4: sentence encodings by model, so a re-run and repeated sentences cost nothing
        """CREATE TABLE encodings (
            model_id TEXT NOT NULL,
            sentence_id TEXT NOT NULL,
            vector BLOB NOT NULL,
            stored TEXT NOT NULL,
            PRIMARY KEY (model_id, sentence_id)
        ) WITHOUT ROWID""",
    ),
    (  # 5: which command each run was and what it ended with, for `digest status`
        "ALTER TABLE runs ADD COLUMN command TEXT NOT NULL DEFAULT 'build'",
        "ALTER TABLE runs ADD COLUMN message TEXT",
        # the runs `digest send` recorded so far: a delivery, and neither files nor sources
        """UPDATE runs SET command = 'send' WHERE outputs = '[]'
            AND id IN (SELECT run_id FROM deliveries)
            AND id NOT IN (SELECT run_id FROM run_sources)""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class RunRecord:
    """One run as the store remembers it; ``finished`` is None for a run that never ended
    (killed, or still going)."""

    id: int
    started: datetime
    briefing_date: date
    config_path: str
    finished: datetime | None = None
    exit_code: int | None = None
    statuses: tuple[SourceStatus, ...] = ()
    outputs: tuple[Path, ...] = ()
    command: str = "build"  # or "send"
    message: str | None = None  # the error it ended with, or "nothing new"


@dataclass(frozen=True)
class SourceHealth:
    """How one source fared over the recorded runs: what the latest run made of it, when
    it last worked, and since when it has failed without a break (None while it works),
    so an operator sees a feed that died three days ago, not only today's failure."""

    last: SourceStatus
    checked: datetime  # when the run that recorded ``last`` started
    last_ok: datetime | None = None
    failing_since: datetime | None = None
    failed_runs: int = 0  # runs in a row, to the latest, that it failed in


@dataclass(frozen=True)
class InputsRecord:
    """What a build read and wrote: the fingerprint of its inputs, when they stop giving
    the same briefing (a document leaves or enters a moving window; None: never), and
    each file it wrote with its sha256."""

    fingerprint: str
    built: datetime
    stable_until: datetime | None
    outputs: tuple[tuple[Path, str], ...]


@dataclass(frozen=True)
class DeliveryRecord:
    """One attempt to deliver a briefing."""

    id: int
    run_id: int
    briefing_date: date
    at: datetime
    ok: bool
    recipients: tuple[str, ...]
    error: str | None
    files: tuple[Path, ...]


class Store:
    """One connection to the state file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, stemmer: Stemmer) -> None:
        self._conn = connection
        self.path = path
        self.stemmer = stemmer

    @classmethod
    def open(
        cls, path: Path, *, stemmer: Stemmer | None = None, timeout: float = BUSY_TIMEOUT
    ) -> Store:
        """Open (creating folder and file if needed) and bring the schema up to date.

        Raises StateError, naming the path, when the file is not a usable database.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(
                f"state store {path}: cannot create its folder: {exc.strerror or exc}"
            ) from exc
        try:
            conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StateError(f"state store {path}: cannot open: {exc}") from exc
        store = cls(conn, path, stemmer or Stemmer())
        try:
            with store._guard():
                conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA journal_mode = WAL")
                _migrate(conn, path)
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """SQLite's errors as StateError, with the path a person needs to act."""
        try:
            yield
        except StateError:
            raise
        except sqlite3.OperationalError as exc:
            raise StateError(f"state store {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
            raise StateError(
                f"state store {self.path} is unreadable ({exc}); move it aside to start afresh"
            ) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        with self._guard():
            _transaction_begin(self._conn, "IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                _rollback(self._conn)
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot while a writer goes on."""
        with self._guard():
            _transaction_begin(self._conn, "DEFERRED")
            try:
                yield self._conn
            finally:
                _rollback(self._conn)

    # ------------------------------------------------------------------ runs

    def begin_run(
        self, started: datetime, briefing_date: date, config_path: str, command: str = "build"
    ) -> int:
        """Record a run's start; the id it returns ties everything this run writes."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started, briefing_date, config_path, command)"
                " VALUES (?, ?, ?, ?)",
                (started.isoformat(), briefing_date.isoformat(), config_path, command),
            )
            return _rowid(cursor)

    def finish_run(
        self,
        run_id: int,
        *,
        finished: datetime,
        exit_code: int,
        statuses: Sequence[SourceStatus],
        outputs: Sequence[Path],
        message: str | None = None,
    ) -> None:
        """Record how a run ended; calling it again for the same run replaces the record."""
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE runs SET finished = ?, exit_code = ?, outputs = ?, message = ?"
                " WHERE id = ?",
                (
                    finished.isoformat(),
                    exit_code,
                    json.dumps([str(p) for p in outputs]),
                    message,
                    run_id,
                ),
            )
            if cursor.rowcount != 1:
                raise StateError(f"state store {self.path}: no run {run_id}")
            conn.execute("DELETE FROM run_sources WHERE run_id = ?", (run_id,))
            conn.executemany(
                "INSERT INTO run_sources (run_id, position, source_id, status, documents, reason)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run_id, k, s.source_id, s.status.value, s.documents, s.reason)
                    for k, s in enumerate(statuses)
                ],
            )

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, started, briefing_date, config_path, finished, exit_code, outputs,"
                " command, message FROM runs ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
            statuses: dict[int, list[SourceStatus]] = {}
            for run_id, source_id, status, documents, reason in conn.execute(
                "SELECT run_id, source_id, status, documents, reason FROM run_sources"
                " WHERE run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?)"
                " ORDER BY run_id, position",
                (limit,),
            ):
                statuses.setdefault(run_id, []).append(
                    SourceStatus(source_id, Status(status), documents, reason)
                )
        return [_run(row, statuses.get(row[0], ())) for row in rows]

    def source_health(self) -> dict[str, SourceHealth]:
        """How each source (by id) fared over every recorded run that read it, oldest to
        newest; runs that read no source (a send, a re-run with nothing new) do not count."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT rs.source_id, rs.status, rs.documents, rs.reason, r.started"
                " FROM run_sources rs JOIN runs r ON r.id = rs.run_id"
                " ORDER BY rs.run_id, rs.position"
            ).fetchall()
        health: dict[str, SourceHealth] = {}
        for source_id, status, documents, reason, started in rows:
            last = SourceStatus(source_id, Status(status), documents, reason)
            when = datetime.fromisoformat(started)
            before = health.get(source_id)
            if last.status is Status.FAILED:
                since = before.failing_since if before and before.failing_since else when
                runs = before.failed_runs + 1 if before else 1
                last_ok = before.last_ok if before else None
                health[source_id] = SourceHealth(last, when, last_ok, since, runs)
            else:
                health[source_id] = SourceHealth(last, when, last_ok=when)
        return health

    # ------------------------------------------------------------------ documents

    def note_documents(self, run_id: int, documents: Sequence[Document]) -> int:
        """Remember these documents; returns how many no earlier run (nor an earlier one
        in this list) had seen, by key or by content. A known key with changed content
        (an updated article) is not new, though its new text is remembered."""
        new = 0
        with self._write() as conn:
            row = conn.execute("SELECT started FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise StateError(f"state store {self.path}: no run {run_id}")
            when = row[0]
            for document in documents:
                key, digest = document_key(document), content_hash(document)
                known = conn.execute("SELECT 1 FROM documents WHERE key = ?", (key,)).fetchone()
                fresh_text = conn.execute(
                    "INSERT INTO contents (content_hash, first_run, first_seen) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (digest, run_id, when),
                ).rowcount
                new += known is None and fresh_text == 1
                conn.execute(
                    "INSERT INTO documents"
                    " (key, source_id, content_hash, first_run, first_seen, last_run, last_seen)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET content_hash = excluded.content_hash,"
                    " last_run = excluded.last_run, last_seen = excluded.last_seen",
                    (key, document.source_id, digest, run_id, when, run_id, when),
                )
        return new

    def seen(self, key: str) -> bool:
        """Whether a document was seen: by URL (canonicalized, so tracking parameters do not
        matter), by :func:`document_key` or by :func:`content_hash`."""
        if key.startswith(("http://", "https://")):
            key = "url:" + canonical_url(key)
        with self._read() as conn:
            row = conn.execute(
                "SELECT 1 FROM documents WHERE key = ?"
                " UNION ALL SELECT 1 FROM contents WHERE content_hash = ?",
                (key, key),
            ).fetchone()
        return row is not None

    # ------------------------------------------------------------------ items

    def mark(self, items: Sequence[Item], briefing_date: date) -> list[Item]:
        """The items, each with ``first_reported`` set to the earliest briefing before
        ``briefing_date`` that carried the same statement (None when none did).

        A statement is the same when the item's text or any of its citations' sentences
        has the fingerprint of an earlier item's text or citation sentence; a rebuild of
        the same day never counts its own earlier build.
        """
        with self._read() as conn:  # one query: earlier briefings carried a few items a day
            earlier: dict[str, str] = dict(
                conn.execute(
                    "SELECT f.fingerprint, MIN(COALESCE(i.first_reported, i.briefing_date))"
                    " FROM item_fingerprints f JOIN briefing_items i ON i.id = f.item_id"
                    " WHERE i.briefing_date < ? GROUP BY f.fingerprint",
                    (briefing_date.isoformat(),),
                ).fetchall()
            )
        out = []
        for item in items:
            first = None
            if earlier:  # else nothing can have been reported: no fingerprint to compute
                first = min(
                    (earlier[p] for p in item_fingerprints(item, self.stemmer) if p in earlier),
                    default=None,
                )
            if first is None and item.first_reported is None:
                out.append(item)
            else:
                out.append(
                    replace(item, first_reported=date.fromisoformat(first) if first else None)
                )
        return out

    def record_items(self, run_id: int, briefing_date: date, items: Sequence[Item]) -> None:
        """Remember the items a briefing showed; they replace whatever an earlier build of
        the same date recorded."""
        day = briefing_date.isoformat()
        with self._write() as conn:
            conn.execute("DELETE FROM briefing_items WHERE briefing_date = ?", (day,))
            for position, item in enumerate(items):
                cursor = conn.execute(
                    "INSERT INTO briefing_items"
                    " (run_id, briefing_date, position, section, text, first_reported)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        day,
                        position,
                        item.section,
                        item.text,
                        item.first_reported.isoformat() if item.first_reported else None,
                    ),
                )
                item_id = _rowid(cursor)
                conn.executemany(
                    "INSERT INTO item_fingerprints (item_id, fingerprint) VALUES (?, ?)",
                    [(item_id, p) for p in sorted(item_fingerprints(item, self.stemmer))],
                )

    # ------------------------------------------------------------------ deliveries

    def record_delivery(
        self,
        run_id: int,
        *,
        ok: bool,
        recipients: Sequence[str],
        error: str | None,
        files: Sequence[Path],
        at: datetime | None = None,
    ) -> None:
        """Record one delivery attempt of the briefing ``run_id`` built (or re-sent)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO deliveries (run_id, at, ok, recipients, error, files)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    (at or datetime.now(UTC)).isoformat(),
                    int(ok),
                    json.dumps(list(recipients)),
                    error,
                    json.dumps([str(f) for f in files]),
                ),
            )

    def deliveries(self, limit: int = 20) -> list[DeliveryRecord]:
        """The latest delivery attempts, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d JOIN runs r ON r.id = d.run_id"
                " ORDER BY d.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [_delivery(row) for row in rows]

    def pending_delivery(self) -> DeliveryRecord | None:
        """The newest failed delivery that no later successful delivery of the same
        briefing date made good: what ``digest send`` should send again."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d JOIN runs r ON r.id = d.run_id"
                " WHERE d.ok = 0 AND NOT EXISTS ("
                "  SELECT 1 FROM deliveries later JOIN runs lr ON lr.id = later.run_id"
                "  WHERE later.ok = 1 AND later.id > d.id"
                "  AND lr.briefing_date = r.briefing_date)"
                " ORDER BY d.id DESC LIMIT 1"
            ).fetchone()
        return _delivery(row) if row else None

    def last_delivery(self, briefing_date: date) -> DeliveryRecord | None:
        """The latest delivery attempt of a briefing date: a re-run that finds nothing new
        can tell whether that day's briefing already went out."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d JOIN runs r ON r.id = d.run_id"
                " WHERE r.briefing_date = ? ORDER BY d.id DESC LIMIT 1",
                (briefing_date.isoformat(),),
            ).fetchone()
        return _delivery(row) if row else None

    # ------------------------------------------------------------------ build inputs

    def last_inputs(self, config_path: str, briefing_date: date) -> InputsRecord | None:
        """The inputs of the last good build of this config and date, if one is known."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT fingerprint, built, stable_until, outputs FROM build_inputs"
                " WHERE config_path = ? AND briefing_date = ?",
                (config_path, briefing_date.isoformat()),
            ).fetchone()
        if row is None:
            return None
        fingerprint, built, until, outputs = row
        return InputsRecord(
            fingerprint=fingerprint,
            built=datetime.fromisoformat(built),
            stable_until=datetime.fromisoformat(until) if until else None,
            outputs=tuple((Path(path), sha) for path, sha in json.loads(outputs)),
        )

    def record_inputs(
        self, run_id: int, config_path: str, briefing_date: date, record: InputsRecord | None
    ) -> None:
        """Remember a build's inputs (replacing the last); None forgets them, after a
        build whose briefing a re-run must not reuse (a source failed)."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM build_inputs WHERE config_path = ? AND briefing_date = ?",
                (config_path, briefing_date.isoformat()),
            )
            if record is None:
                return
            conn.execute(
                "INSERT INTO build_inputs (config_path, briefing_date, fingerprint, built,"
                " stable_until, run_id, outputs) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    config_path,
                    briefing_date.isoformat(),
                    record.fingerprint,
                    record.built.isoformat(),
                    record.stable_until.isoformat() if record.stable_until else None,
                    run_id,
                    json.dumps([[str(path), sha] for path, sha in record.outputs]),
                ),
            )

    def history_mark(self, briefing_date: date) -> str:
        """Where the history before a date stands: items an earlier day's briefing carried
        mark today's as repeats, so a rebuild of an earlier day changes today's."""
        with self._read() as conn:
            count, last = conn.execute(
                "SELECT COUNT(*), MAX(id) FROM briefing_items WHERE briefing_date < ?",
                (briefing_date.isoformat(),),
            ).fetchone()
        return f"{count}:{last}"

    # ------------------------------------------------------------------ encodings

    def encodings(self, model_id: str, ids: Iterable[str]) -> dict[str, npt.NDArray[np.float32]]:
        """The cached vectors of these sentence ids under this model, for those it has."""
        import numpy as np

        wanted = list(dict.fromkeys(ids))
        rows: list[tuple[str, bytes]] = []
        with self._read() as conn:
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                part = wanted[start : start + _IDS_PER_QUERY]
                rows += conn.execute(
                    "SELECT sentence_id, vector FROM encodings WHERE model_id = ?"
                    f" AND sentence_id IN ({', '.join('?' * len(part))})",
                    (model_id, *part),
                ).fetchall()
        return {key: np.frombuffer(blob, dtype="<f4").astype(np.float32) for key, blob in rows}

    def save_encodings(self, model_id: str, vectors: Mapping[str, npt.NDArray[np.float32]]) -> None:
        """Remember vectors (float32, one dimension each) by sentence id under this model;
        a vector saved again replaces the old one."""
        import numpy as np

        when = datetime.now(UTC).isoformat()
        rows = []
        for key, vector in vectors.items():
            array = np.asarray(vector)
            if array.ndim != 1 or array.dtype != np.float32:
                raise ValueError(
                    f"encoding {key!r}: want a float32 vector, got {array.dtype} {array.shape}"
                )
            rows.append((model_id, key, array.astype("<f4").tobytes(), when))
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO encodings (model_id, sentence_id, vector, stored) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (model_id, sentence_id) DO UPDATE SET vector = excluded.vector,"
                " stored = excluded.stored",
                rows,
            )

    def forget_encodings(self, keep_model: str | None = None) -> int:
        """Drop cached vectors of every model but ``keep_model`` (all of them with None), as
        after a change of model; returns how many went."""
        with self._write() as conn:
            return conn.execute(
                "DELETE FROM encodings WHERE model_id IS NOT ?", (keep_model,)
            ).rowcount

    # ------------------------------------------------------------------ HTTP validators

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified a server last sent for this exact URL."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
            ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def store_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a response's validators; with neither, forget the URL's old ones."""
        with self._write() as conn:
            if etag is None and last_modified is None:
                conn.execute("DELETE FROM validators WHERE url = ?", (url,))
                return
            conn.execute(
                "INSERT INTO validators (url, etag, last_modified, stored) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, stored = excluded.stored",
                (url, etag, last_modified, datetime.now(UTC).isoformat()),
            )


# ---------------------------------------------------------------------- fingerprints


def fingerprint(text: str, stemmer: Stemmer) -> str:
    """A statement's identity across runs: its content stems (stop words out, numbers
    kept, case folded) in order, hashed. "The U.S. cut tariffs to 30%." and "the US
    cuts tariffs to 30%" share one. Stable across processes (sha256, never ``hash()``)."""
    return _digest(_stems(text, stemmer))


def item_fingerprints(item: Item, stemmer: Stemmer) -> frozenset[str]:
    """Fingerprints of an item's text and of each cited sentence, skipping texts too
    short to identify a statement (fewer than :data:`MIN_STEMS` content stems)."""
    out = set()
    for text in (item.text, *(c.text for c in item.citations)):
        stems = _stems(text, stemmer)
        if len(stems) >= MIN_STEMS:
            out.add(_digest(stems))
    return frozenset(out)


def _stems(text: str, stemmer: Stemmer) -> list[str]:
    return [s.casefold() for s in stemmer.content(text)]


def _digest(stems: Sequence[str]) -> str:
    return hashlib.sha256(" ".join(stems).encode("utf-8")).hexdigest()[:32]


def document_key(document: Document) -> str:
    """``url:<canonical URL>`` for a web document, else ``doc:<source id>:<document id>``
    (a feed entry's GUID, a file's path)."""
    url_key = document.digests.url_key  # made once a document (see ``screen.digests``)
    return url_key if url_key is not None else f"doc:{document.source_id}:{document.doc_id}"


def content_hash(document: Document) -> str:
    """A hash of the document's words, case folded (the title aside, as sites rewrite
    titles); the same text under another URL has the same hash."""
    return document.digests.content_hash  # made once a document (see ``screen.digests``)


# ---------------------------------------------------------------------- policy


def apply_policy(sections: Sequence[Section], policy: Repeated) -> tuple[Section, ...]:
    """The sections as the config's ``state.repeated`` wants them shown.

    ``hide`` drops every item with ``first_reported`` (a section may end up empty; it is
    kept, so the briefing still says the section had nothing new). ``mark`` and ``show``
    keep every item and its mark, so the JSON and the "what's new" count stay true;
    templates show the "reported <date>" note for ``mark`` only.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown repeated-items policy {policy!r}; expected one of {POLICIES}")
    if policy != "hide":
        return tuple(sections)
    return tuple(replace(s, items=tuple(i for i in s.items if i.is_new)) for s in sections)


def mark_briefing(store: Store, briefing: Briefing, policy: Repeated) -> Briefing:
    """The briefing with every item (sections, top lines, other) marked against the
    store, the policy applied to sections and top lines, and ``tracked`` set."""
    unique = list(dict.fromkeys((*briefing.shown_items, *briefing.other)))
    marked = dict(zip(unique, store.mark(unique, briefing.date), strict=True))
    sections = tuple(replace(s, items=tuple(marked[i] for i in s.items)) for s in briefing.sections)
    top = tuple(marked[i] for i in briefing.top_lines)
    if policy == "hide":
        top = tuple(i for i in top if i.is_new)
    return replace(
        briefing,
        sections=apply_policy(sections, policy),
        top_lines=top,
        other=tuple(marked[i] for i in briefing.other),
        tracked=True,
    )


# ---------------------------------------------------------------------- internals

_DELIVERY_COLUMNS = "d.id, d.run_id, r.briefing_date, d.at, d.ok, d.recipients, d.error, d.files"


def _run(row: tuple[Any, ...], statuses: Sequence[SourceStatus]) -> RunRecord:
    run_id, started, day, config_path, finished, exit_code, outputs, command, message = row
    return RunRecord(
        id=run_id,
        started=datetime.fromisoformat(started),
        briefing_date=date.fromisoformat(day),
        config_path=config_path,
        finished=datetime.fromisoformat(finished) if finished else None,
        exit_code=exit_code,
        statuses=tuple(statuses),
        outputs=tuple(Path(p) for p in json.loads(outputs)),
        command=command,
        message=message,
    )


def _delivery(row: tuple[Any, ...]) -> DeliveryRecord:
    delivery_id, run_id, day, at, ok, recipients, error, files = row
    return DeliveryRecord(
        id=delivery_id,
        run_id=run_id,
        briefing_date=date.fromisoformat(day),
        at=datetime.fromisoformat(at),
        ok=bool(ok),
        recipients=tuple(json.loads(recipients)),
        error=error,
        files=tuple(Path(f) for f in json.loads(files)),
    )


def _migrate(conn: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> None:
    """Apply every pending migration in one transaction; another process migrating at the
    same moment waits for the write lock and then finds nothing left to do."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise StateError(
            f"state store {path} has schema version {version}; this digest knows up to "
            f"{SCHEMA_VERSION} (written by a newer digest?)"
        )
    if version >= target:
        return
    _transaction_begin(conn, "IMMEDIATE")
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        for number in range(version, target):
            for statement in MIGRATIONS[number]:
                conn.execute(statement)
        if version < target:
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _transaction_begin(conn: sqlite3.Connection, mode: str) -> None:
    conn.execute(f"BEGIN {mode}")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - an INSERT always sets it
        raise StateError("insert returned no row id")
    return cursor.lastrowid

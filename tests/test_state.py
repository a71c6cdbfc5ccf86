"""The state store: runs, documents seen, items reported, deliveries, validators; and
that a killed writer or a corrupt file never costs the data already committed."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from digest.models import (
    Block,
    Briefing,
    Citation,
    Document,
    Item,
    Section,
    SourceStatus,
    Status,
)
from digest.state import (
    MIGRATIONS,
    SCHEMA_VERSION,
    StateError,
    Store,
    apply_policy,
    content_hash,
    document_key,
    fingerprint,
    item_fingerprints,
    mark_briefing,
)
from digest.text import Stemmer

from .conftest import ROOT

DAY1, DAY2, DAY3 = date(2025, 5, 12), date(2025, 5, 13), date(2025, 5, 14)
T0 = datetime(2025, 5, 12, 6, 0, tzinfo=UTC)

TARIFF = "The United States will cut tariffs on Chinese goods to 30% for 90 days."
TARIFF_AGAIN = "Washington agreed to lower its levies on Chinese imports to 30 percent for 90 days."
TALKS = "Bessent, Lutnick and Greer led the American delegation in Geneva."
NEW = "China will suspend its rare earth export controls on American firms."


def citation(text: str, number: int = 1, index: int = 0) -> Citation:
    return Citation(f"s{number}", number, f"d{number}", index, text)


def item(text: str, *also: str, section: str = "trade") -> Item:
    """An item stating ``text``, citing that sentence and any further ones (a merge)."""
    cites = (citation(text, 1), *(citation(t, k + 2) for k, t in enumerate(also)))
    return Item(text, section, 1.0, cites)


def document(url: str | None, text: str, doc_id: str = "d1", source_id: str = "s1") -> Document:
    return Document(source_id, doc_id, url or doc_id, (Block("paragraph", (text,)),), url=url)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state" / "state.sqlite") as opened:
        yield opened


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection for looking under the store, closed afterwards."""
    conn = sqlite3.connect(path)
    try:
        yield conn
    finally:
        conn.close()


def count(path: Path, sql: str, *args: object) -> int:
    with raw(path) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


# ------------------------------------------------------------------ schema


def test_open_creates_folder_and_schema_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.sqlite"
    with Store.open(path) as store:
        run = store.begin_run(T0, DAY1, "config.yaml")
    with raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "run_sources", "documents", "contents", "validators"} <= tables
    assert {"briefing_items", "item_fingerprints", "deliveries", "build_inputs"} <= tables
    assert "encodings" in tables
    with Store.open(path) as store:  # reopening migrates nothing and loses nothing
        assert [r.id for r in store.runs()] == [run]


def test_a_version_1_file_is_migrated_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    stemmer = Stemmer()
    with raw(path) as conn:  # a store as the first schema version wrote it
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO runs (id, started, briefing_date, config_path) VALUES (7, ?, ?, 'c.yaml')",
            (T0.isoformat(), DAY1.isoformat()),
        )
        conn.execute(
            "INSERT INTO briefing_items (id, run_id, briefing_date, position, section, text)"
            " VALUES (1, 7, ?, 0, 'trade', ?)",
            (DAY1.isoformat(), TARIFF),
        )
        conn.execute("INSERT INTO item_fingerprints VALUES (1, ?)", (fingerprint(TARIFF, stemmer),))
        conn.commit()
    with Store.open(path) as store:
        assert [(r.id, r.briefing_date, r.config_path) for r in store.runs()] == [
            (7, DAY1, "c.yaml")
        ]
        assert store.mark([item(TARIFF)], DAY2)[0].first_reported == DAY1
        store.record_delivery(7, ok=True, recipients=["a@example.com"], error=None, files=[])
        assert store.last_delivery(DAY1) is not None  # the version 2 table is there
        assert store.last_inputs("c.yaml", DAY1) is None  # and the version 3 one
        assert store.encodings("m", ["s1"]) == {}  # and the version 4 one
        assert store.runs()[0].command == "build"  # and the version 5 columns
    with raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5


def test_version_5_tells_the_sends_recorded_before_it_from_the_builds(tmp_path: Path) -> None:
    """Before version 5 a run did not say which command it was: a send is the run with a
    delivery and neither files nor sources; a build that mailed wrote files."""
    path = tmp_path / "state.sqlite"
    with raw(path) as conn:
        for migration in MIGRATIONS[:4]:
            for statement in migration:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 4")
        for run_id, outputs in [(1, '["/out/b.md"]'), (2, "[]"), (3, "[]")]:
            conn.execute(
                "INSERT INTO runs (id, started, briefing_date, config_path, exit_code, outputs)"
                " VALUES (?, ?, ?, 'c.yaml', 0, ?)",
                (run_id, T0.isoformat(), DAY1.isoformat(), outputs),
            )
        for run_id in (1, 2):  # a build that mailed, a send; run 3 failed before any mail
            conn.execute(
                "INSERT INTO deliveries (run_id, at, ok, recipients, error, files)"
                " VALUES (?, ?, 1, '[]', NULL, '[]')",
                (run_id, T0.isoformat()),
            )
        conn.commit()
    with Store.open(path) as store:
        assert [(r.id, r.command, r.message) for r in store.runs()] == [
            (3, "build", None),
            (2, "send", None),
            (1, "build", None),
        ]


def test_a_newer_schema_is_refused_not_downgraded(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with raw(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StateError, match="schema version 99"):
        Store.open(path)


def test_a_corrupt_file_is_a_state_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not a database, just garbage\x00\xff" * 200)
    with pytest.raises(StateError) as caught:
        Store.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes().startswith(b"this is not")  # left as found, for inspection


# ------------------------------------------------------------------ runs


def test_runs_round_trip_newest_first(store: Store) -> None:
    first = store.begin_run(T0, DAY1, "/etc/digest/config.yaml")
    statuses = [
        SourceStatus("cnbc", Status.OK, 12),
        SourceStatus("reuters", Status.FAILED, 0, "HTTP 503 Service Unavailable"),
    ]
    outputs = [Path("/out/briefing-2025-05-12.md"), Path("/out/briefing-2025-05-12.json")]
    store.finish_run(
        first, finished=T0 + timedelta(minutes=2), exit_code=0, statuses=statuses, outputs=outputs
    )
    second = store.begin_run(T0 + timedelta(days=1), DAY2, "/etc/digest/config.yaml")

    newest, older = store.runs()
    assert newest.id == second and newest.finished is None and newest.exit_code is None
    assert newest.statuses == () and newest.outputs == ()
    assert older.id == first
    assert older.started == T0 and older.finished == T0 + timedelta(minutes=2)
    assert older.briefing_date == DAY1 and older.config_path == "/etc/digest/config.yaml"
    assert older.exit_code == 0
    assert older.statuses == tuple(statuses) and older.outputs == tuple(outputs)
    assert [r.id for r in store.runs(limit=1)] == [second]

    store.finish_run(first, finished=T0, exit_code=4, statuses=statuses[:1], outputs=[])
    assert store.runs()[1].statuses == tuple(statuses[:1])  # replaced, not appended
    with pytest.raises(StateError, match="no run 999"):
        store.finish_run(999, finished=T0, exit_code=0, statuses=[], outputs=[])


def test_runs_keep_their_command_and_message(store: Store) -> None:
    run = store.begin_run(T0, DAY1, "c.yaml", "send")
    store.finish_run(
        run, finished=T0, exit_code=6, statuses=[], outputs=[], message="cannot connect"
    )
    [record] = store.runs()
    assert (record.command, record.exit_code, record.message) == ("send", 6, "cannot connect")


def test_source_health_says_since_when_a_source_fails(store: Store) -> None:
    def run(hours: int, **found: Status) -> None:
        started = T0 + timedelta(hours=hours)
        run_id = store.begin_run(started, DAY1, "c.yaml")
        statuses = [
            SourceStatus(k, v, 1 if v is Status.OK else 0, v.value) for k, v in found.items()
        ]
        store.finish_run(run_id, finished=started, exit_code=0, statuses=statuses, outputs=[])

    assert store.source_health() == {}
    run(0, wire=Status.OK, desk=Status.OK)
    run(1, wire=Status.FAILED, desk=Status.EMPTY)
    store.begin_run(T0 + timedelta(hours=2), DAY1, "c.yaml", "send")  # reads no source
    run(3, wire=Status.FAILED, desk=Status.NOT_MODIFIED)
    run(4, desk=Status.FAILED)  # wire left the config: its record stands as it was
    health = store.source_health()
    wire, desk = health["wire"], health["desk"]
    assert wire.last.status is Status.FAILED and wire.checked == T0 + timedelta(hours=3)
    assert wire.failing_since == T0 + timedelta(hours=1) and wire.failed_runs == 2
    assert wire.last_ok == T0
    assert desk.failing_since == desk.checked == T0 + timedelta(hours=4)
    assert desk.failed_runs == 1 and desk.last_ok == T0 + timedelta(hours=3)  # empty is no failure
    run(5, wire=Status.OK)
    assert store.source_health()["wire"].failing_since is None
    assert store.source_health()["wire"].failed_runs == 0


# ------------------------------------------------------------------ documents


def test_note_documents_counts_new_and_seen(store: Store) -> None:
    run = store.begin_run(T0, DAY1, "c.yaml")
    story = document("https://example.com/news/tariffs?id=3", TARIFF)
    local = document(None, TALKS, doc_id="notes/geneva.txt")
    assert store.note_documents(run, [story, local, story]) == 2  # a repeat in one list: once

    run2 = store.begin_run(T0 + timedelta(days=1), DAY2, "c.yaml")
    tracked = document("https://EXAMPLE.com/news/tariffs?utm_source=rss&id=3#top", TARIFF + " x")
    moved = document("https://mirror.example.org/copy", TARIFF, doc_id="d2")
    fresh = document("https://example.com/news/rare-earths", NEW)
    assert store.note_documents(run2, [tracked, moved, fresh]) == 1  # only the fresh one

    assert store.seen("https://example.com/news/tariffs?id=3&utm_medium=email")
    assert store.seen(document_key(local)) and store.seen(content_hash(local))
    assert store.seen("https://mirror.example.org/copy")  # now known under its own URL too
    assert not store.seen("https://example.com/news/other")
    assert document_key(tracked) == "url:https://example.com/news/tariffs?id=3"


# ------------------------------------------------------------------ items


def test_fingerprint_ignores_case_stop_words_and_inflection_but_keeps_numbers() -> None:
    stemmer = Stemmer()
    assert fingerprint("The U.S. cut tariffs to 30%.", stemmer) == fingerprint(
        "the US cuts TARIFFS to 30%", stemmer
    )
    assert fingerprint("Tariffs cut to 30%", stemmer) != fingerprint("Tariffs cut to 10%", stemmer)
    assert item_fingerprints(Item("Read more", "trade", 1.0, ()), stemmer) == frozenset()


def test_fingerprint_is_stable_across_processes() -> None:
    code = "from digest.state import fingerprint; from digest.text import Stemmer; "
    code += f"print(fingerprint({TARIFF!r}, Stemmer()))"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == fingerprint(TARIFF, Stemmer())


def test_yesterdays_statement_is_marked_also_inside_a_new_wording(store: Store) -> None:
    run1 = store.begin_run(T0, DAY1, "c.yaml")
    store.record_items(run1, DAY1, [item(TARIFF), item(TALKS, section="talks")])

    run2 = store.begin_run(T0 + timedelta(days=1), DAY2, "c.yaml")
    same = item(TARIFF)
    merged = item(TARIFF_AGAIN, TARIFF)  # today's best wording differs; one source is yesterday's
    new = item(NEW)
    marked = store.mark([same, merged, new], DAY2)
    assert [i.first_reported for i in marked] == [DAY1, DAY1, None]
    assert [i.text for i in marked] == [TARIFF, TARIFF_AGAIN, NEW]
    assert [i.is_new for i in marked] == [False, False, True]
    store.record_items(run2, DAY2, marked)


def test_rebuilding_a_day_neither_marks_its_own_items_nor_duplicates_them(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "state" / "state.sqlite"
    items = [item(TARIFF), item(TALKS, TARIFF_AGAIN)]
    for hour in range(3):  # the 06:00 run, then two rebuilds of the same day
        run = store.begin_run(T0 + timedelta(hours=hour), DAY1, "c.yaml")
        marked = store.mark(items, DAY1)
        assert all(i.is_new for i in marked)
        store.record_items(run, DAY1, marked)
    assert count(path, "SELECT COUNT(*) FROM briefing_items") == 2
    assert count(path, "SELECT COUNT(*) FROM item_fingerprints") == 3  # TARIFF, TALKS, AGAIN
    store.record_items(run, DAY1, items[:1])  # a rebuild that shows less replaces the day
    assert count(path, "SELECT COUNT(*) FROM briefing_items") == 1
    assert count(path, "SELECT COUNT(*) FROM item_fingerprints") == 1


def test_the_earliest_briefing_wins(store: Store) -> None:
    run = store.begin_run(T0, DAY1, "c.yaml")
    store.record_items(run, DAY2, [item(TARIFF)])  # recorded first, but the later day
    store.record_items(run, DAY1, [item(TARIFF)])  # a backfilled earlier day
    assert store.mark([item(TARIFF)], DAY3)[0].first_reported == DAY1
    assert store.mark([item(TARIFF)], DAY2)[0].first_reported == DAY1
    assert store.mark([item(TARIFF)], DAY1)[0].first_reported is None


def test_a_statement_keeps_its_first_date_through_a_changed_wording(store: Store) -> None:
    run = store.begin_run(T0, DAY1, "c.yaml")
    store.record_items(run, DAY1, [item(TARIFF)])
    # day 2 merged yesterday's sentence with a new wording, and was marked as from day 1
    store.record_items(run, DAY2, store.mark([item(TARIFF_AGAIN, TARIFF)], DAY2))
    # day 3 only has the new wording, which day 1 never carried: still first reported day 1
    assert store.mark([item(TARIFF_AGAIN)], DAY3)[0].first_reported == DAY1


# ------------------------------------------------------------------ policy


def _sections() -> tuple[Section, ...]:
    old = Item(TARIFF, "trade", 1.0, (citation(TARIFF),), first_reported=DAY1)
    return (
        Section("trade", "Trade", "", (old, item(NEW))),
        Section("talks", "Talks", "", (Item(TALKS, "talks", 1.0, (), first_reported=DAY1),)),
    )


def test_apply_policy_hide_drops_repeated_items_mark_and_show_keep_them() -> None:
    sections = _sections()
    hidden = apply_policy(sections, "hide")
    assert [[i.text for i in s.items] for s in hidden] == [[NEW], []]  # emptied section kept
    for policy in ("mark", "show"):
        kept = apply_policy(sections, policy)
        assert kept == sections
        assert kept[0].items[0].first_reported == DAY1  # the mark stays for JSON and templates
    with pytest.raises(ValueError, match="unknown"):
        apply_policy(sections, "drop")  # type: ignore[arg-type]


def test_mark_briefing_marks_every_item_and_counts_what_is_new(store: Store) -> None:
    run = store.begin_run(T0, DAY1, "c.yaml")
    store.record_items(run, DAY1, [item(TARIFF)])
    old, new = item(TARIFF), item(NEW)
    briefing = Briefing(
        "Trade", None, DAY2, "UTC", (Section("trade", "Trade", "", (old, new)),), (), (),
        top_lines=(old,), other=(item(TALKS, section="other"),),
    )  # fmt: skip
    marked = mark_briefing(store, briefing, "mark")
    assert marked.tracked and marked.new_items == 1
    assert marked.top_lines[0].first_reported == DAY1
    assert marked.sections[0].items[0].first_reported == DAY1
    assert marked.other[0].is_new
    hidden = mark_briefing(store, briefing, "hide")
    assert [i.text for i in hidden.shown_items] == [NEW] and hidden.top_lines == ()
    assert hidden.new_items == 1


# ------------------------------------------------------------------ deliveries


def test_a_failed_delivery_is_pending_until_one_succeeds(store: Store) -> None:
    assert store.pending_delivery() is None
    run1 = store.begin_run(T0, DAY1, "c.yaml")
    files = [Path("/out/briefing-2025-05-12.pdf")]
    store.record_delivery(run1, ok=True, recipients=["a@example.com"], error=None, files=files)
    assert store.pending_delivery() is None

    run2 = store.begin_run(T0 + timedelta(days=1), DAY2, "c.yaml")
    store.record_delivery(
        run2, ok=False, recipients=["a@example.com", "b@example.com"],
        error="421 service not available", files=files, at=T0 + timedelta(days=1),
    )  # fmt: skip
    pending = store.pending_delivery()
    assert pending is not None
    assert (pending.run_id, pending.briefing_date, pending.ok) == (run2, DAY2, False)
    assert pending.recipients == ("a@example.com", "b@example.com")
    assert pending.error == "421 service not available" and pending.files == tuple(files)
    assert pending.at == T0 + timedelta(days=1)

    resend = store.begin_run(T0 + timedelta(days=1, hours=1), DAY2, "c.yaml")  # digest send
    store.record_delivery(resend, ok=True, recipients=["a@example.com"], error=None, files=files)
    assert store.pending_delivery() is None
    last = store.last_delivery(DAY2)
    assert last is not None and last.ok and last.run_id == resend
    assert store.last_delivery(DAY3) is None
    assert [(d.run_id, d.ok) for d in store.deliveries()] == [
        (resend, True),
        (run2, False),
        (run1, True),
    ]
    assert [d.run_id for d in store.deliveries(limit=1)] == [resend]


# ------------------------------------------------------------------ validators


def test_validators_round_trip(store: Store) -> None:
    url = "https://example.com/feed.xml"
    assert store.validators(url) == (None, None)
    store.store_validators(url, '"abc"', "Mon, 12 May 2025 06:00:00 GMT")
    assert store.validators(url) == ('"abc"', "Mon, 12 May 2025 06:00:00 GMT")
    store.store_validators(url, '"def"', None)
    assert store.validators(url) == ('"def"', None)
    store.store_validators(url, None, None)
    assert store.validators(url) == (None, None)


def test_a_second_connection_reads_while_the_first_is_open(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with Store.open(path) as writer, Store.open(path) as reader:
        writer.store_validators("https://example.com/", "e1", None)
        assert reader.validators("https://example.com/") == ("e1", None)


# ------------------------------------------------------------------ crash safety

_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, date, datetime, timedelta
    from pathlib import Path
    from digest.models import Citation, Item
    from digest.state import Store

    store = Store.open(Path(sys.argv[1]))
    run = store.begin_run(datetime.now(UTC), date(2025, 1, 1), "config.yaml")
    n = 0
    while True:
        items = [
            Item(f"Statement {n} number {k} on tariffs, trade talks and rare earths", "trade",
                 1.0, (Citation("s", 1, "d", k, f"Sentence {k} of day {n} on export controls"),))
            for k in range(40)
        ]
        store.record_items(run, date(2025, 1, 1) + timedelta(days=n), items)
        print(n, flush=True)
        n += 1
    """
)


def test_a_killed_writer_leaves_the_store_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with Store.open(path) as store:  # committed before the writer starts
        before = store.begin_run(T0, DAY1, "c.yaml")
        store.store_validators("https://example.com/feed", "etag-1", None)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    ) as writer:
        assert writer.stdout is not None
        committed = -1
        for line in writer.stdout:
            committed = int(line)
            if committed >= 15:
                break
        writer.send_signal(signal.SIGKILL)  # mid-transaction, most likely
        writer.wait()
    assert committed >= 15 and writer.returncode == -signal.SIGKILL

    with Store.open(path) as store:
        assert store.validators("https://example.com/feed") == ("etag-1", None)
        assert before in [r.id for r in store.runs()]
        assert store.mark([Item("Statement 3 number 7 on tariffs, trade talks and rare earths",
                                "trade", 1.0, ())], date(2026, 1, 1))[0].first_reported == date(
            2025, 1, 4
        )  # fmt: skip
    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        days = conn.execute(
            "SELECT briefing_date, COUNT(*) FROM briefing_items GROUP BY briefing_date"
        ).fetchall()
    assert len(days) >= committed + 1  # every day reported as committed is there …
    assert all(n == 40 for _, n in days)  # … and no day is half written

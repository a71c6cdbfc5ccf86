"""The screen stage: each article once, only those inside the window, every drop counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digest.models import Block, Document, SourceStatus, Status, Window
from digest.screen import canonical_url, screen

END = datetime(2025, 6, 7, 0, 0, tzinfo=UTC)
LONG = " ".join(f"word{i}" for i in range(40))  # enough words for a text fingerprint


def doc(
    source: str,
    doc_id: str,
    text: str = LONG,
    url: str | None = None,
    published: datetime | None = None,
) -> Document:
    return Document(
        source, doc_id, doc_id, (Block("paragraph", (text,)),), url=url, published=published
    )


def ok(source: str, n: int) -> SourceStatus:
    return SourceStatus(source, Status.OK, documents=n)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Example.com/a/b?utm_source=rss&utm_medium=x", "https://example.com/a/b"),
        ("https://example.com:443/a?id=5&fbclid=abc#comments", "https://example.com/a?id=5"),
        ("http://example.com/story?b=2&a=1", "http://example.com/story?a=1&b=2"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_same_url_with_tracking_parameters_is_one_document() -> None:
    docs = [
        doc("feed_a", "1", "Short teaser.", url="https://news.example/s?utm_source=a"),
        doc("feed_b", "2", "A much longer text. " * 5, url="https://news.example/s"),
    ]
    kept, statuses = screen(docs, [ok("feed_a", 1), ok("feed_b", 1)], Window(None, END), UTC)
    assert [d.doc_id for d in kept] == ["2"]  # the fuller copy wins, whichever came first
    a, b = statuses
    assert a.status is Status.EMPTY and a.documents == 0
    assert a.reason == "1 repeated article(s) already read from feed_b"
    assert b == ok("feed_b", 1)


def test_same_text_at_two_urls_is_one_document() -> None:
    docs = [doc("a", "1", url="https://a.example/x"), doc("b", "2", url="https://b.example/y")]
    kept, statuses = screen(docs, [ok("a", 1), ok("b", 1)], Window(None, END), UTC)
    assert [d.source_id for d in kept] == ["a"]  # equal size: the first source keeps it
    assert statuses[1].reason == "1 repeated article(s) already read from a"


def test_short_texts_are_not_fingerprinted() -> None:
    docs = [doc("a", "1", "Markets rose."), doc("a", "2", "Markets rose.")]
    kept, _ = screen(docs, [ok("a", 2)], Window(None, END), UTC)
    assert len(kept) == 2


def test_repeat_within_one_source() -> None:
    docs = [doc("a", "1", url="https://x.example/1"), doc("a", "2", url="https://x.example/1")]
    kept, [status] = screen(docs, [ok("a", 2)], Window(None, END), UTC)
    assert len(kept) == 1
    assert status.documents == 1 and status.status is Status.OK
    assert status.reason == "1 repeated article(s) already read from this source"


def test_window_drops_old_keeps_undated_and_counts_both() -> None:
    window = Window.ending(END, timedelta(hours=36))
    docs = [
        doc("a", "new", "new " + LONG, published=END - timedelta(hours=2)),
        doc("a", "old", "old " + LONG, published=END - timedelta(days=3)),
        doc("a", "undated", "undated " + LONG),
        doc("a", "future", "future " + LONG, published=END + timedelta(hours=1)),
    ]
    kept, [status] = screen(docs, [ok("a", 4)], window, UTC)
    assert [d.doc_id for d in kept] == ["new", "undated"]
    assert status.documents == 2
    assert status.reason == "2 outside the 36-hour window; 1 undated, kept"


def test_undated_drop_policy_and_empty_status() -> None:
    window = Window.ending(END, timedelta(days=2), undated="drop")
    kept, [status] = screen([doc("a", "undated")], [ok("a", 1)], window, UTC)
    assert kept == []
    assert status.status is Status.EMPTY and status.reason == "1 undated, dropped"


def test_naive_dates_are_read_in_the_briefing_time_zone() -> None:
    zone = ZoneInfo("America/New_York")
    end = datetime(2025, 6, 7, 0, 0, tzinfo=zone)
    window = Window.ending(end, timedelta(hours=6))
    # 20:00 New York is inside the six hours before midnight; 20:00 UTC would not be
    naive = doc("a", "n", published=datetime(2025, 6, 6, 20, 0))
    kept, _ = screen([naive], [ok("a", 1)], window, zone)
    assert len(kept) == 1


def test_no_window_keeps_every_date_and_says_nothing() -> None:
    docs = [doc("a", "old", published=END - timedelta(days=400))]
    kept, [status] = screen(docs, [ok("a", 1)], Window(None, END), UTC)
    assert len(kept) == 1 and status == ok("a", 1)


def test_failed_status_is_left_alone() -> None:
    failed = SourceStatus("z", Status.FAILED, reason="HTTP 404 Not Found")
    _, [status] = screen([], [failed], Window.ending(END, timedelta(hours=1)), UTC)
    assert status == failed


def test_digests_are_the_keys_screening_and_the_state_store_read() -> None:
    import hashlib
    import pickle
    from dataclasses import replace

    from digest import state

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    words = LONG.casefold()
    title = Block("title", ("The Title",))
    web = Document(
        "s", "1", "1", (title, Block("paragraph", (LONG,))), url="https://x.org/a?utm_source=r"
    )
    assert web.digests.url_key == state.document_key(web) == "url:https://x.org/a"
    assert web.digests.text_key == "text:" + sha(words)  # the title aside
    assert state.content_hash(web) == "sha256:" + sha(words)
    titles_only = Document("s", "2", "2", (title,))
    assert state.document_key(titles_only) == "doc:s:2"
    assert titles_only.digests.text_key is None  # too short, and no words but the title's
    assert state.content_hash(titles_only) == "sha256:" + sha("the title")
    # made once, carried by a pickled copy (from a worker), made again for a changed copy
    assert pickle.loads(pickle.dumps(web)).__dict__["digests"] == web.digests
    assert replace(web, url=None).digests.url_key is None
    assert replace(web, blocks=(title,)).digests.content_hash == "sha256:" + sha("the title")

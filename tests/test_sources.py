"""The file source: one file, a folder, a glob; failures recorded per source."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest import config, sources
from digest.build import analyze
from digest.models import Status


def load(tmp_path: Path, sources_yaml: str, extra: str = "") -> config.LoadedConfig:
    path = tmp_path / "config.yaml"
    path.write_text(
        "briefing:\n  title: T\nsources:\n"
        + sources_yaml
        + "sections:\n  - id: s\n    title: S\n    keywords: [storm]\n"
        + extra,
        encoding="utf-8",
    )
    return config.load(path)


def test_folder_and_glob_read_known_types_in_sorted_order(tmp_path: Path) -> None:
    news = tmp_path / "news"
    (news / "deep").mkdir(parents=True)
    (news / "b.txt").write_text("The storm hit.", encoding="utf-8")
    (news / "a.md").write_text("# A\n\nThe storm grew.", encoding="utf-8")
    (news / "deep" / "c.html").write_text("<p>The storm left.</p>", encoding="utf-8")
    (news / "notes.pdf").write_bytes(b"%PDF-1.4")
    loaded = load(
        tmp_path,
        "  - kind: file\n    path: news\n  - kind: file\n    name: Just text\n    path: 'news/*.txt'\n",
    )
    collected = sources.collect(loaded)
    assert [d.doc_id for d in collected.documents] == [
        "news/a.md",
        "news/b.txt",
        "news/deep/c.html",
        "b.txt",
    ]
    assert [s.id for s in collected.sources] == ["news", "just_text"]
    assert [s.status for s in collected.statuses] == [Status.OK, Status.OK]
    assert [s.documents for s in collected.statuses] == [3, 1]


def test_glob_matching_nothing_is_empty_not_an_error(tmp_path: Path) -> None:
    collected = sources.collect(load(tmp_path, "  - kind: file\n    path: 'later/*.txt'\n"))
    [status] = collected.statuses
    assert status.status is Status.EMPTY and status.reason == "no readable documents"


def test_file_removed_after_validation_fails_only_its_source(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The storm hit the coast.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("The storm moved on.", encoding="utf-8")
    loaded = load(tmp_path, "  - kind: file\n    path: a.txt\n  - kind: file\n    path: b.txt\n")
    (tmp_path / "b.txt").unlink()
    analysis = analyze(loaded)
    assert [(s.source_id, s.status) for s in analysis.statuses] == [
        ("a_txt", Status.OK),
        ("b_txt", Status.FAILED),
    ]
    assert "file not found" in (analysis.statuses[1].reason or "")
    assert [i.text for i in analysis.briefing.shown_items] == ["The storm hit the coast."]


def test_unsupported_single_file_fails_with_reason(tmp_path: Path) -> None:
    (tmp_path / "report.docx").write_bytes(b"PK\x03\x04")
    [status] = sources.collect(load(tmp_path, "  - kind: file\n    path: report.docx\n")).statuses
    assert status.status is Status.FAILED
    assert "report.docx: unsupported file type" in (status.reason or "")


def test_metadata_and_ids(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    loaded = load(
        tmp_path,
        "  - kind: file\n    path: a.txt\n    name: Wire Service\n    publisher: Wire\n"
        "    url: https://example.com/a\n    published: 2025-06-05\n    weight: 2\n"
        "  - kind: file\n    path: a.txt\n    name: Wire Service\n",
    )
    first, second = sources.describe(loaded)
    assert (first.id, first.number, first.publisher, first.weight) == (
        "wire_service",
        1,
        "Wire",
        2.0,
    )
    assert (
        first.published is not None and first.published.isoformat() == "2025-06-05T00:00:00+00:00"
    )
    assert (second.id, second.number) == ("wire_service_2", 2)


def test_section_note_from_a_file_reaches_the_briefing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The storm hit.", encoding="utf-8")
    (tmp_path / "note.md").write_text("Watch the *coast*.", encoding="utf-8")
    load(tmp_path, "  - kind: file\n    path: a.txt\n")  # writes the base config
    text = (tmp_path / "config.yaml").read_text(encoding="utf-8") + "    note_file: note.md\n"
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    loaded = config.load(tmp_path / "config.yaml")
    [section] = analyze(loaded).briefing.sections
    assert section.note == "Watch the *coast*."


def test_window_ends_at_midnight_of_a_past_date_and_counts_what_it_drops(tmp_path: Path) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    (tmp_path / "new.txt").write_text("The storm hit the coast.", encoding="utf-8")
    (tmp_path / "old.txt").write_text("The storm formed at sea.", encoding="utf-8")
    (tmp_path / "undated.txt").write_text("The storm was named.", encoding="utf-8")
    loaded = load(
        tmp_path,
        "  - kind: file\n    path: new.txt\n    published: 2025-06-06T09:00:00-04:00\n"
        "  - kind: file\n    path: old.txt\n    published: 2025-06-03\n"
        "  - kind: file\n    path: undated.txt\n",
    )
    text = loaded.path.read_text(encoding="utf-8").replace(
        "  title: T\n", "  title: T\n  timezone: America/New_York\n  window: 36h\n"
    )
    loaded.path.write_text(text, encoding="utf-8")
    loaded = config.load(loaded.path)
    zone = ZoneInfo("America/New_York")
    analysis = analyze(loaded, on=date(2025, 6, 6), now=datetime(2026, 1, 1, tzinfo=zone))
    briefing = analysis.briefing
    assert briefing.window_end == datetime(2025, 6, 7, tzinfo=zone)
    assert briefing.window_start == datetime(2025, 6, 5, 12, tzinfo=zone)
    new, old, undated = analysis.statuses
    assert new.status is Status.OK and new.documents == 1
    assert old.status is Status.EMPTY and old.reason == "1 outside the 36-hour window"
    assert undated.status is Status.OK and undated.reason == "1 undated, kept"
    # today's briefing covers up to now, not up to tonight's midnight
    now = datetime(2025, 6, 6, 6, 30, tzinfo=zone)
    today = analyze(loaded, on=date(2025, 6, 6), now=now).briefing
    assert today.window_end == now


def test_a_relative_file_url_is_relative_to_the_config_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cron starts a run in the home folder: `url: file:feeds/saved.xml` must still read
    the feed beside the config, as `path: feeds/saved.xml` does."""
    project = tmp_path / "project"
    (project / "feeds").mkdir(parents=True)
    (project / "pages").mkdir()
    (project / "feeds" / "saved.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Saved</title>'
        "<item><title>Storm</title><link>https://example.com/s</link>"
        "<description>The storm hit the coast.</description></item></channel></rss>",
        encoding="utf-8",
    )
    (project / "pages" / "p.html").write_text(
        "<html><body><article><p>The storm moved inland overnight.</p></article></body></html>",
        encoding="utf-8",
    )
    loaded = load(
        project,
        "  - kind: feed\n    url: file:feeds/saved.xml\n"
        "  - kind: page\n    url: file:pages/p.html\n",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    collected = sources.collect(loaded)
    assert [s.status for s in collected.statuses] == [Status.OK, Status.OK], collected.statuses
    assert config.access_problems(loaded) == []

"""Bad input, tried on purpose: each gets a clear per-source or config error, and the rest of
the briefing is built as if nothing happened.

The sizes here are the real ones from the issue; ``bench/hostile.py`` runs the same inputs
in separate processes and reports time and peak memory for each.
"""

from __future__ import annotations

import gzip
import json
import shutil
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import config
from digest.cli import main
from digest.errors import ConfigError

from .conftest import ROOT
from .loopback import Loopback, Reply

DAY = "2025-06-06"


def gzip_bomb(size: int) -> bytes:
    """``size`` bytes of zeros, gzipped: about a thousandth of that on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1 << 20)
    return b"".join(compressor.compress(chunk) for _ in range(size >> 20)) + compressor.flush()


def big_feed(entries: int) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>http://feed.example/{i}</link>"
        f"<description>Tariff story {i}.</description></item>"
        for i in range(entries)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One build of the sample plus every hostile source, on a real loopback server."""
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "samples", folder / "samples")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("Tariffs secret memo.", encoding="utf-8")
    with (folder / "samples" / "huge.txt").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB by size, nothing on disk
    (folder / "samples" / "garbage.txt").write_bytes(bytes(range(256)) * 400)
    deep = "<html><body>" + "<div>" * 100_000 + "<p>Deep tariffs text.</p>" + "</div>" * 100_000
    (folder / "samples" / "deep.html").write_text(deep, encoding="utf-8")
    links = "".join(f'<a href="/l{i}">link {i}</a> ' for i in range(100_000))
    (folder / "samples" / "links.html").write_text(
        f"<html><body><article><p>Officials said tariffs would fall.</p>{links}</article></body></html>",
        encoding="utf-8",
    )
    with Loopback() as server:
        server.route(
            "/bomb",
            Reply(
                body=gzip_bomb(200 << 20),
                gzip=False,
                headers={"Content-Encoding": "gzip"},
                content_type="application/rss+xml",
            ),
        )
        server.route("/feed", Reply(body=big_feed(50_000), content_type="application/rss+xml"))
        server.route("/private", Reply(body="<p>internal</p>"))
        sources = f"""
  - {{kind: file, id: huge, path: samples/huge.txt}}
  - {{kind: file, id: garbage, path: samples/garbage.txt}}
  - {{kind: file, id: deep, path: samples/deep.html}}
  - {{kind: file, id: links, path: samples/links.html}}
  - {{kind: file, id: outside, path: {outside / "secret.txt"}}}
  - {{kind: feed, id: bomb, url: "{server.url("/bomb")}"}}
  - {{kind: feed, id: big_feed, url: "{server.url("/feed")}", max_entries: 50000}}
"""
        text = (folder / "config.yaml").read_text(encoding="utf-8")
        text = text.replace("sections:\n", sources.lstrip("\n") + "sections:\n", 1)
        (folder / "config.yaml").write_text(text, encoding="utf-8")
        result = CliRunner().invoke(
            main, ["build", "-c", str(folder / "config.yaml"), "--date", DAY, "-f", "md,json"]
        )
    data = json.loads((folder / "out" / f"briefing-{DAY}.json").read_text(encoding="utf-8"))
    return {"result": result, "data": data, "folder": folder}


def status(hostile: dict[str, object], source_id: str) -> dict[str, object]:
    data = hostile["data"]
    assert isinstance(data, dict)
    return next(s for s in data["sources"] if s["id"] == source_id)


def test_the_briefing_is_built_from_the_good_sources(hostile: dict[str, object]) -> None:
    result = hostile["result"]
    assert getattr(result, "exit_code", None) == 0, getattr(result, "stderr", "")
    assert (
        status(hostile, "cnbc")["status"] == "ok"
        and status(hostile, "short_report")["status"] == "ok"
    )
    data = hostile["data"]
    assert isinstance(data, dict)
    texts = [i["text"] for i in data["top_lines"]]
    texts += [i["text"] for s in data["sections"] for i in s["items"]]
    assert any("90-minute" in t or "one and a half hours" in t for t in texts)


@pytest.mark.parametrize(
    ("source_id", "state", "reason"),
    [
        ("huge", "failed", "over the 52428800 limit"),
        ("garbage", "failed", "binary"),
        ("deep", "empty", "without text"),
        ("outside", "failed", "outside the folders sources may read"),
        ("bomb", "failed", "over the 10 MB limit"),
    ],
)
def test_each_hostile_source_fails_alone_with_its_reason(
    hostile: dict[str, object], source_id: str, state: str, reason: str
) -> None:
    found = status(hostile, source_id)
    assert found["status"] == state, found
    assert reason in str(found["reason"]), found


def test_a_link_farm_is_read_without_its_links(hostile: dict[str, object]) -> None:
    found = status(hostile, "links")
    assert found["status"] == "ok"  # the one real sentence survives; 100k links do not


def test_a_feed_of_50k_entries_is_read(hostile: dict[str, object]) -> None:
    found = status(hostile, "big_feed")
    assert found["status"] == "ok" and found["documents"] == 50_000


def test_a_path_outside_is_read_when_the_config_allows_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "note.txt").write_text(
        "Tariffs fell by half on Monday, officials said.", encoding="utf-8"
    )
    (project / "config.yaml").write_text(
        f"briefing: {{title: T}}\nsources:\n  - {{kind: file, path: {outside / 'note.txt'}}}\n"
        "sections:\n  - {id: s, title: S, keywords: [tariffs]}\naccess:\n  paths: [../shared]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", "-c", str(project / "config.yaml"), "-f", "json"])
    assert result.exit_code == 0, result.stderr


def test_private_addresses_refused_when_the_config_forbids_them(tmp_path: Path) -> None:
    with Loopback() as server:
        server.route("/page", Reply(body="<p>Tariffs fell, officials said on Monday.</p>"))
        (tmp_path / "config.yaml").write_text(
            f'briefing: {{title: T}}\nsources:\n  - {{kind: page, url: "{server.url("/page")}"}}\n'
            "sections:\n  - {id: s, title: S, keywords: [tariffs]}\n"
            "access:\n  private_networks: false\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["build", "-c", str(tmp_path / "config.yaml")])
        assert server.paths() == []  # refused before connecting
    assert result.exit_code == 3  # the only source failed
    assert "127.0.0.1, a private or reserved address" in result.stderr


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
                for i in range(8)
            ),
            "alias bomb",
        ),
        (
            "briefing: !!python/object/apply:os.system ['echo pwned']\n",
            "YAML tag !!python/object/apply:os.system is not allowed",
        ),
    ],
)
def test_yaml_attacks_are_config_errors(yaml_text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse(yaml_text)
    assert message in str(info.value)


def test_a_gzip_bomb_costs_only_the_cap(tmp_path: Path) -> None:
    """The bomb's decoded size is never held: the fetch stops at max_bytes."""
    assert len(gzip_bomb(200 << 20)) < 1 << 20  # under a megabyte on the wire
    assert gzip.decompress(gzip_bomb(4 << 20)) == b"\0" * (4 << 20)  # a real gzip stream


# --------------------------------------------------------------------------- issue 13 (2, 3)

ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "title: *i\n"
)  # about 400 bytes; nine levels of nine: 387 million elements if expanded

FRONT_MATTERS = {
    "impossible_date": "date: 2025-02-30\ntitle: Tariffs",
    "deep": "title: " + "[" * 3000 + "]" * 3000,
    "tagged": 'title: !!float "x"',
    "alias_bomb": ALIAS_BOMB,
    "huge": "title: Tariffs\nnotes: " + "x" * 200_000,
}


def _build_json(folder: Path) -> dict:
    """Build the briefing of ``folder/config.yaml`` as JSON (exit 0) and read it back."""
    result = CliRunner().invoke(
        main,
        ["build", "-c", str(folder / "config.yaml"), "-o", str(folder / "out"),
         "-f", "json", "--date", DAY],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads((folder / "out" / f"briefing-{DAY}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", list(FRONT_MATTERS))
def test_hostile_front_matter_is_dropped_and_the_article_kept(tmp_path: Path, kind: str) -> None:
    """In a .md file and in a page served as text/markdown: each used to raise (or, the
    alias bomb, take 323 s and 2.3 GB while holding the run lock) and end the build."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    article = f"---\n{FRONT_MATTERS[kind]}\n---\n\nOfficials said the tariffs on steel would rise again.\n"
    (tmp_path / "samples" / "front.md").write_text(article, encoding="utf-8")
    with Loopback() as server:
        server.route("/front.md", Reply(body=article, content_type="text/markdown"))
        text = (tmp_path / "config.yaml").read_text(encoding="utf-8")
        text = text.replace(
            "sources:\n",
            "sources:\n  - kind: file\n    id: frontfile\n    path: samples/front.md\n"
            f"  - kind: page\n    id: frontpage\n    url: {server.url('/front.md')}\n",
            1,
        )
        (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
        data = _build_json(tmp_path)
    status = {s["id"]: s["status"] for s in data["sources"]}
    assert status["frontfile"] == "ok" and status["frontpage"] == "ok", data["sources"]
    assert status["cnbc"] == "ok"


def test_a_document_that_raises_fails_its_source_not_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong inside one document (here: a bug we plant in extraction for one
    file) is that source's failure, with the reason; the rest of the briefing is built."""
    from digest import extract as extract_module

    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    real = extract_module.extract

    def broken(raw):  # type: ignore[no-untyped-def]
        if "short-report" in raw.doc_id:
            raise ValueError("planted")
        return real(raw)

    monkeypatch.setattr(extract_module, "extract", broken)
    data = _build_json(tmp_path)
    failed = {s["id"]: s["reason"] for s in data["sources"] if s["status"] == "failed"}
    assert "ValueError: planted" in failed["short_report"]

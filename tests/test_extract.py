"""Tests of the extract stage: decoding, the three parsers, and real files from ../shared."""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import digest.extract as extract_module
from digest.errors import SourceError
from digest.extract import decode, extract
from digest.models import Block, Document, RawDocument

SHARED = Path(__file__).resolve().parents[2] / "shared"
F1_GATE = 0.95  # measured 0.964 (simple) and 0.971 (benchmark metric) on pages-dev


def run(
    body: bytes | str,
    media_type: str = "text/plain",
    *,
    title: str | None = None,
    url: str | None = None,
    published: datetime | None = None,
    author: str | None = None,
) -> Document:
    data = body.encode("utf-8") if isinstance(body, str) else body
    raw = RawDocument("src", "doc", "loc", media_type, data, title, url, published, author)
    return extract(raw)


def texts(doc: Document) -> list[tuple[str, tuple[str, ...]]]:
    return [(b.kind, b.lines) for b in doc.blocks]


def body_text(doc: Document) -> str:
    return "\n".join(line for b in doc.blocks if b.kind != "title" for line in b.lines)


# --------------------------------------------------------------------------- decoding


def test_utf8() -> None:
    assert decode("Zürich — “quoted”".encode()) == "Zürich — “quoted”"


def test_utf8_bom_is_removed() -> None:
    doc = run(b"\xef\xbb\xbfFirst line\n\nSecond")
    assert texts(doc) == [("paragraph", ("First line",)), ("paragraph", ("Second",))]


def test_utf16_bom() -> None:
    assert decode("\ufeffCafé\r\nnext".encode("utf-16-le")) == "Café\nnext"
    assert decode("Café".encode("utf-16")) == "Café"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_encodings_without_bom(codec: str) -> None:
    assert decode("<p>Zürich, 5 June</p>\r\n".encode(codec)) == "<p>Zürich, 5 June</p>\n"


def test_cp1252_fallback() -> None:
    assert decode(b"\x93quoted\x94 caf\xe9 \x96 ok") == "“quoted” café – ok"


def test_undecodable_bytes_never_raise() -> None:
    assert decode(b"a\x81b\x9d") == "a\ufffdb\ufffd"


def test_no_repair_or_normalization() -> None:
    # mojibake and decomposed accents pass through: the normalize stage owns them
    assert decode("donâ€™t cafe\u0301".encode()) == "donâ€™t cafe\u0301"


def test_newlines_normalized() -> None:
    assert decode(b"a\r\nb\rc\n") == "a\nb\nc\n"
    doc = run(b"one\r\ntwo\r\n\r\nthree\rfour")
    assert texts(doc) == [("paragraph", ("one", "two")), ("paragraph", ("three", "four"))]


def test_html_meta_charset_is_honoured() -> None:
    # iso-8859-1 is read as windows-1252, as browsers do: \x93 \x94 are quotes
    page = (
        b'<html><head><meta charset="iso-8859-1"><title>T</title></head>'
        b"<body><p>\x93Caf\xe9\x94 opened.</p></body></html>"
    )
    assert body_text(run(page, "text/html")) == "“Café” opened."


def test_html_http_equiv_charset() -> None:
    page = (
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        b"</head><body><p>" + "Москва сегодня.".encode("cp1251") + b"</p></body></html>"
    )
    assert body_text(run(page, "text/html")) == "Москва сегодня."


def test_valid_utf8_beats_a_stale_declaration() -> None:
    page = '<meta charset="iso-8859-1"><p>Café au lait.</p>'.encode()
    assert body_text(run(page, "text/html")) == "Café au lait."


def test_charset_parameter_of_the_media_type() -> None:
    doc = run("Привет".encode("koi8-r"), "text/plain; charset=koi8-r")
    assert texts(doc) == [("paragraph", ("Привет",))]


@pytest.mark.parametrize(
    "body",
    [
        b"PK\x03\x04\x00\x00binary zip",
        b"text\x00text",
        bytes(range(1, 9)) * 10 + b"abc",
        b"\x81\x8d\x8f\x90\x9d" * 20,  # undecodable in every codec tried
        bytes(b for n in range(1, 200) for b in (n % 31 + 1, 0)),  # looks like UTF-16, is not
    ],
)
def test_binary_is_refused(body: bytes) -> None:
    with pytest.raises(SourceError, match="binary file, not text"):
        run(body)


def test_unknown_media_type() -> None:
    with pytest.raises(SourceError, match="unsupported media type"):
        run(b"%PDF-1.7", "application/pdf")


def test_empty_file_has_no_blocks() -> None:
    assert run(b"").blocks == ()
    assert run(b"  \n\n \t\n").blocks == ()


# --------------------------------------------------------------------------- text/plain


def test_plain_blocks_are_paragraphs_split_on_blank_lines() -> None:
    doc = run("  Title line  \n\nHeading\n \t \nfirst line\nsecond line   \n\n\n\nlast")
    assert texts(doc) == [
        ("paragraph", ("Title line",)),
        ("paragraph", ("Heading",)),
        ("paragraph", ("first line", "second line")),
        ("paragraph", ("last",)),
    ]


def test_metadata_is_copied_from_the_raw_document() -> None:
    when = datetime(2025, 6, 5, 12, tzinfo=UTC)
    doc = run(
        b"text",
        title="Given title",
        url="https://example.com/x",
        published=when,
        author="A. Writer",
    )
    assert (doc.source_id, doc.doc_id, doc.location) == ("src", "doc", "loc")
    assert (doc.title, doc.url, doc.published, doc.author) == (
        "Given title",
        "https://example.com/x",
        when,
        "A. Writer",
    )


# --------------------------------------------------------------------------- text/markdown


def md(text: str, *, title: str | None = None, url: str | None = None) -> Document:
    return run(text, "text/markdown", title=title, url=url)


def test_markdown_front_matter_is_metadata_not_text() -> None:
    doc = md(
        "---\ntitle: Front title\ndate: 2025-06-05\nauthor: [Jane Doe, John Roe]\n"
        "url: https://example.com/a\n---\n\nBody text.\n"
    )
    assert texts(doc) == [("title", ("Front title",)), ("paragraph", ("Body text.",))]
    assert doc.title == "Front title"
    assert doc.published == datetime(2025, 6, 5)
    assert doc.author == "Jane Doe, John Roe"
    assert doc.url == "https://example.com/a"


def test_markdown_front_matter_published_and_raw_precedence() -> None:
    doc = md(
        "---\npublished: 2025-06-05T08:00:00Z\nurl: https://example.com/a\n---\n# H\n\nText\n",
        url="https://given.example/",
    )
    assert doc.published == datetime(2025, 6, 5, 8, tzinfo=UTC)
    assert doc.url == "https://given.example/"
    assert doc.title == "H"


def test_markdown_broken_front_matter_is_dropped_quietly() -> None:
    doc = md("---\ntitle: [unclosed\n: : :\n---\nText\n")
    assert texts(doc) == [("paragraph", ("Text",))]


def test_markdown_headings_and_title() -> None:
    doc = md(
        "## Kicker\n\n# The title #\n\nIntro.\n\n## Section one\n\nSetext heading\n"
        "--------------\n\nText.\n\n# Later level one\n\nAnother\n=======\n\n#hashtag is text\n"
    )
    assert texts(doc) == [
        ("heading", ("Kicker",)),
        ("title", ("The title",)),
        ("paragraph", ("Intro.",)),
        ("heading", ("Section one",)),
        ("heading", ("Setext heading",)),
        ("paragraph", ("Text.",)),
        ("heading", ("Later level one",)),
        ("heading", ("Another",)),
        ("paragraph", ("#hashtag is text",)),
    ]
    assert doc.title == "The title"


def test_markdown_level_one_after_a_paragraph_is_no_title() -> None:
    doc = md("Lead paragraph.\n\n# Heading\n\nText.", title="From source")
    assert texts(doc)[1] == ("heading", ("Heading",))
    assert doc.title == "From source"


def test_markdown_keeps_line_breaks() -> None:
    doc = md("First line\nsecond line  \nthird line\\\nfourth <br> fifth\n")
    assert texts(doc) == [
        ("paragraph", ("First line", "second line", "third line", "fourth", "fifth"))
    ]


def test_markdown_list_items_are_paragraphs() -> None:
    doc = md(
        "Intro:\n- first item\n  continued\n* second item\n+ third\n\n"
        "1. one\n2) two\n- [x] done task\n  - nested\n\n---\n\n"
        "It grew in\n2019. That was a good year.\n"
    )
    assert texts(doc) == [
        ("paragraph", ("Intro:",)),
        ("paragraph", ("first item", "continued")),
        ("paragraph", ("second item",)),
        ("paragraph", ("third",)),
        ("paragraph", ("one",)),
        ("paragraph", ("two",)),
        ("paragraph", ("done task",)),
        ("paragraph", ("nested",)),
        ("paragraph", ("It grew in", "2019. That was a good year.")),
    ]


def test_markdown_block_quotes() -> None:
    doc = md("> quoted one\n> quoted two\nlazy line\n>\n> > nested para\n\nafter\n")
    assert texts(doc) == [
        ("paragraph", ("quoted one", "quoted two", "lazy line")),
        ("paragraph", ("nested para",)),
        ("paragraph", ("after",)),
    ]


def test_markdown_drops_code_comments_and_definitions() -> None:
    doc = md(
        "Before.\n\n```python\nx = 1\n\n# not a heading\n```\n\n~~~\ncode\n~~~\n\n"
        "<!-- a comment\nspanning lines -->\n\n[ref]: https://example.com/r 'Title'\n\n"
        "After, see [the ref][ref] and [ref] and [no def] and a note[^1].\n\n"
        "[^1]: The note.\n\n[Editor's note]: This story was updated.\n"
    )
    assert texts(doc) == [
        ("paragraph", ("Before.",)),
        ("paragraph", ("After, see the ref and ref and [no def] and a note.",)),
        ("paragraph", ("The note.",)),
        ("paragraph", ("[Editor's note]: This story was updated.",)),
    ]


def test_markdown_tables_are_a_paragraph_with_a_line_per_row() -> None:
    # as tables from HTML are; a rule without pipes under a row is a setext heading
    doc = md("| Year | **Tariff** |\n|---|:-:|\n| 2024 | 145% |\n|2025|30\\|40|\n\na | b\n---\n")
    assert texts(doc) == [
        ("paragraph", ("Year Tariff", "2024 145%", "2025 30|40")),
        ("heading", ("a | b",)),
    ]


def test_markdown_stray_underline_is_dropped() -> None:
    assert texts(md("- item\n===\n\n===\n")) == [("paragraph", ("item",))]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a [link text](https://x.com/a_(b) 'title') here", "a link text here"),
        ("before ![alt text](pic.png) after", "before after"),
        ("[![badge](b.svg)](https://x.com) gone", "gone"),
        (
            "**bold** *italic* __strong__ _em_ ***both*** ~~struck~~",
            "bold italic strong em both struck",
        ),
        ("`co*de*` and ``a ` b``", "co*de* and a ` b"),
        (r"\*not emphasis\* and \[x\]", "*not emphasis* and [x]"),
        ("snake_case_name and 2 * 3 * 4", "snake_case_name and 2 * 3 * 4"),
        ('<span class="x">tag</span> <em>gone</em>', "tag gone"),
        ("AT&amp;T &copy; &#8220;q&#x201D; & more", "AT&T © “q” & more"),
        ("see <https://example.com/a>", "see https://example.com/a"),
    ],
)
def test_markdown_inline_markup(source: str, expected: str) -> None:
    assert texts(md(source)) == [("paragraph", (expected,))]


# --------------------------------------------------------------------------- text/html

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Trade talks resume after call | Example News</title>
<link rel="canonical" href="https://news.example.com/2025/06/05/trade-talks">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2025-06-05T14:30:00+00:00">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/business">Business</a></li></ul></nav></header>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience.
<button>Accept all cookies</button></p></div>
<main><article>
<h1>Trade talks resume after call</h1>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on Twitter</a></div>
<p>President Donald Trump said on Thursday that senior trade officials from the United
States and China will meet soon, after a ninety-minute phone call with President Xi.</p>
<p>The call, the first between the two leaders since January, focused almost entirely on
trade, according to a statement posted by the president after it ended.</p>
<h2>Rare earths at the centre</h2>
<p>Both sides have accused each other of breaking the truce agreed in Geneva in May,
which cut tariffs for ninety days while negotiators worked on a broader deal.</p>
<p>Washington says Beijing has been slow to approve export licences for rare earth
minerals, which are used in electric vehicles and wind turbines.<br>Beijing denies this.</p>
<p>Markets rose modestly on the news &amp; the dollar&nbsp;firmed in late trading.</p>
</article>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Stocks slide as tariff fears return to markets</a></li>
<li><a href="/b">What tariffs mean for your wallet this summer</a></li></ul></aside>
</main>
<footer><p>© 2025 Example News. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy policy</a></li></ul></footer>
</body></html>
"""


def test_html_keeps_the_article_and_drops_boilerplate() -> None:
    doc = run(PAGE, "text/html")
    assert texts(doc) == [
        ("title", ("Trade talks resume after call",)),
        (
            "paragraph",
            (
                "President Donald Trump said on Thursday that senior trade officials from the"
                " United States and China will meet soon, after a ninety-minute phone call with"
                " President Xi.",
            ),
        ),
        (
            "paragraph",
            (
                "The call, the first between the two leaders since January, focused almost"
                " entirely on trade, according to a statement posted by the president after it"
                " ended.",
            ),
        ),
        ("heading", ("Rare earths at the centre",)),
        (
            "paragraph",
            (
                "Both sides have accused each other of breaking the truce agreed in Geneva in"
                " May, which cut tariffs for ninety days while negotiators worked on a broader"
                " deal.",
            ),
        ),
        (
            "paragraph",
            (
                "Washington says Beijing has been slow to approve export licences for rare earth"
                " minerals, which are used in electric vehicles and wind turbines.",
                "Beijing denies this.",
            ),
        ),
        ("paragraph", ("Markets rose modestly on the news & the dollar firmed in late trading.",)),
    ]
    text = body_text(doc)
    for junk in ("Home", "cookies", "Share on", "Related stories", "Stocks slide", "rights"):
        assert junk not in text


def test_html_metadata_fills_what_the_source_did_not_say() -> None:
    doc = run(PAGE, "text/html")
    assert doc.title == "Trade talks resume after call"
    assert doc.url == "https://news.example.com/2025/06/05/trade-talks"
    assert doc.author == "Jane Reporter"
    assert doc.published is not None and doc.published.date() == datetime(2025, 6, 5).date()

    given = datetime(2025, 6, 6, tzinfo=timezone(timedelta(hours=2)))
    doc = run(PAGE, "text/html", url="https://feed.example/x", published=given, author="Feed")
    assert (doc.url, doc.published, doc.author) == ("https://feed.example/x", given, "Feed")


def test_html_title_is_not_duplicated() -> None:
    blocks = run(PAGE, "text/html").blocks
    titles = [b for b in blocks if "Trade talks resume" in b.lines[0]]
    assert titles == [Block("title", ("Trade talks resume after call",))]


def test_html_fragment_yields_its_text() -> None:
    doc = run("<p>Hello &amp; welcome.</p>\n<p>Second   paragraph\n here.</p>", "text/html")
    assert texts(doc) == [
        ("paragraph", ("Hello & welcome.",)),
        ("paragraph", ("Second paragraph here.",)),
    ]


@pytest.mark.parametrize(
    "page",
    [
        "",
        "<html></html>",
        "<html><head><title>Only a title</title></head><body>\n</body></html>",
        "<html><body><script>var x = 1;</script><style>p {}</style><!-- c --></body></html>",
    ],
)
def test_html_without_text_has_no_blocks(page: str) -> None:
    assert run(page, "text/html").blocks == ()


def test_malformed_html_does_not_raise() -> None:
    doc = run("<div><p>Unclosed <b>bold<p>Next</i></div></span><td>cell", "text/html")
    assert "Unclosed bold" in body_text(doc)
    assert "<" not in body_text(doc)


def test_html_fallback_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """What pages trafilatura finds nothing in go through: a plain walk of <body>."""
    monkeypatch.setattr(extract_module, "_trafilatura", lambda tree: None)
    page = """<html><head><title>Head title</title><style>p{}</style></head><body>
    <nav><a href="/">Home</a></nav><header><p>Site header</p></header>
    <h1>Page   title</h1><p>First &amp; only<br>two lines.</p><h2>Part two</h2>
    <ul><li>item one</li><li>item <b>two</b></li></ul>
    <blockquote>A quote.</blockquote><pre>code line 1
      code line 2</pre>
    <table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>
    <h1>Second h1</h1><div>Loose text</div>
    <aside>Aside</aside><form>Form</form><script>js()</script><noscript>No JS</noscript>
    <footer>Footer</footer></body></html>"""
    assert texts(run(page, "text/html")) == [
        ("title", ("Page title",)),
        ("paragraph", ("First & only", "two lines.")),
        ("heading", ("Part two",)),
        ("paragraph", ("item one",)),
        ("paragraph", ("item two",)),
        ("paragraph", ("A quote.",)),
        ("paragraph", ("code line 1", "code line 2")),
        ("paragraph", ("a b", "c d")),
        ("heading", ("Second h1",)),
        ("paragraph", ("Loose text",)),
    ]


def test_html_fallback_title_from_title_element(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_module, "_trafilatura", lambda tree: None)
    doc = run("<html><head><title>The title</title></head><body><p>Text.</p></body>", "text/html")
    assert texts(doc) == [("title", ("The title",)), ("paragraph", ("Text.",))]


# --------------------------------------------------------------------------- real files


def seeds() -> Path:
    folder = SHARED / "seeds"
    if not folder.is_dir():
        pytest.skip("../shared not present")
    return folder


def test_seed_cnbc_blocks() -> None:
    path = seeds() / "trump-xi-call-cnbc-adapted.txt"
    doc = run(path.read_bytes())
    assert all(b.kind == "paragraph" for b in doc.blocks)
    assert doc.blocks[0].lines == (
        "Trump Unveils Renewed U.S.-China Trade Talks Following 90-Minute Call with Xi",
    )
    assert ("Details of the Call and Top-Level Invitations",) in [b.lines for b in doc.blocks]


def test_seed_short_report_is_one_block() -> None:
    path = seeds() / "trump-xi-call-short-report.txt"
    doc = run(path.read_bytes())
    source_lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    assert len(doc.blocks) == 1
    assert len(doc.blocks[0].lines) == len(source_lines) == 13
    assert doc.blocks[0].lines[-1].endswith("from critical minerals to semiconductors.")


_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def benchmark_scores(gold: str, pred: str) -> tuple[float, float]:
    """Precision and recall as the benchmark's evaluate.py computes them (\\w+ tokens,
    counted 4-word shingles; a page with no text in either scores 1)."""
    true, found = _shingles(gold), _shingles(pred)
    tp, fp, fn = (
        sum((true & found).values()),
        sum((found - true).values()),
        sum((true - found).values()),
    )
    precision = 1.0 if fp == fn == 0 else tp / (tp + fp) if tp + fp else 0.0
    recall = 1.0 if fp == fn == 0 else tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def simple_scores(gold: str, pred: str) -> tuple[float, float, float]:
    """The plain variant: whitespace tokens, sets of 4-word shingles."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        tokens = text.split()
        return {tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)}

    true, found = shingles(gold), shingles(pred)
    common = len(true & found)
    precision = common / len(found) if found else 0.0
    recall = common / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@pytest.mark.gate
def test_main_text_f1_on_pages_dev() -> None:
    folder = SHARED / "data" / "pages-dev"
    if not (folder / "ground-truth.json").is_file():
        pytest.skip("../shared not present")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    bench: list[tuple[float, float]] = []
    simple: list[tuple[float, float, float]] = []
    for key, item in truth.items():
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        pred = body_text(run(html, "text/html"))
        bench.append(benchmark_scores(item["articleBody"], pred))
        simple.append(simple_scores(item["articleBody"], pred))
    assert len(bench) == 88
    precision = statistics.mean(p for p, _ in bench)
    recall = statistics.mean(r for _, r in bench)
    f1 = 2 * precision * recall / (precision + recall)
    s_p, s_r, s_f1 = (statistics.mean(s[i] for s in simple) for i in range(3))
    print(f"\npages-dev benchmark metric: P={precision:.4f} R={recall:.4f} F1={f1:.4f}")
    print(f"pages-dev simple metric (mean per page): P={s_p:.4f} R={s_r:.4f} F1={s_f1:.4f}")
    assert f1 >= F1_GATE
    assert s_f1 >= F1_GATE

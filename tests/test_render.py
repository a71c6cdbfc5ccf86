"""Rendering: every format says the same thing, deterministically, and stays inert.

Source text is untrusted, so most tests here feed hostile text through each format
and check it comes out as text, never as markup, links or fetches.
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jinja2
import jsonschema
import markdown
import pypdf
import pytest

from digest.errors import RenderError
from digest.models import Briefing, Citation, Item, Section, SourceInfo, SourceStatus, Status
from digest.render import (
    builtin_templates,
    environment,
    http_url,
    md_escape,
    render,
    schema_path,
    to_json,
)

HOSTILE = (
    '<script>alert(1)</script> <img src="file:///etc/passwd"> [x](javascript:alert(1)) '
    "![i](http://127.0.0.1:9/x.png) <javascript:alert(2)> `code` *b* _i_ | pipe"
)


def _cite(source_id: str, number: int, doc: str, index: int, text: str) -> Citation:
    return Citation(source_id, number, doc, index, text)


def make_briefing() -> Briefing:
    """Two sections with items, one empty section, a failed source and non-ASCII text."""
    call = "Trump and 习近平 spoke “for more than an hour” — both sides called it “candid”."
    soy = "China will resume purchases of US soybeans, officials said."
    taiwan = "Xi raised Taiwan, calling it “the most important issue” in relations."
    return Briefing(
        title="US–China: the call",
        subtitle="What Trump and Xi said — and didn’t",
        date=date(2026, 11, 21),
        timezone="America/New_York",
        note="Read **this** first.\n\n# An editor heading\n\n- one\n- two",
        sections=(
            Section(
                id="call",
                title="The call",
                description="What was said",
                items=(
                    Item(
                        call,
                        "call",
                        3.14159265,
                        (
                            _cite("cnbc", 1, "cnbc-1", 2, call),
                            _cite("report", 2, "report-1", 0, call),
                            _cite("cnbc", 1, "cnbc-1", 7, call),
                        ),
                    ),
                    Item(soy, "call", 1.5, (_cite("cnbc", 1, "cnbc-1", 4, soy),)),
                ),
                note="Sources *disagree* on the length.",
            ),
            Section(
                id="taiwan",
                title="Taiwan “red line”",
                description="",
                items=(Item(taiwan, "taiwan", 2.0, (_cite("report", 2, "report-1", 3, taiwan),)),),
            ),
            Section(id="markets", title="Markets", description="Prices", items=()),
        ),
        sources=(
            SourceInfo("report", 2, "Short report", "file", "samples/short.txt", None, None),
            SourceInfo(
                "cnbc",
                1,
                "CNBC article",
                "file",
                "samples/cnbc.txt",
                "CNBC",
                "https://www.cnbc.com/2026/11/20/trump-xi-call.html",
                datetime(2026, 11, 20, 14, 30, tzinfo=UTC),
            ),
            SourceInfo("wire", 3, "Wire feed", "file", "feeds/*.txt", "Reuters"),
        ),
        statuses=(
            SourceStatus("cnbc", Status.OK, 1),
            SourceStatus("report", Status.NOT_MODIFIED, 1),
            SourceStatus("wire", Status.FAILED, 0, "connection refused by host"),
        ),
        other=(
            Item("An unrelated sentence.", "other", 0.25, (_cite("cnbc", 1, "cnbc-1", 9, "x"),)),
        ),
    )


def hostile_briefing() -> Briefing:
    """Every source-derived string is an attack."""
    base = make_briefing()
    cite = _cite("evil", 1, "d", 0, HOSTILE)
    return replace(
        base,
        title="<script>alert('t')</script>",
        subtitle="# not a heading <img src=x onerror=alert(1)>",
        note=None,  # the editor's note is trusted Markdown, not source text
        sections=(
            Section(
                "evil",
                "<img src=x onerror=alert(1)>",
                "",
                (
                    Item(HOSTILE, "evil", 1.0, (cite,)),
                    Item(
                        "1. not a list\n# nor a heading\n\n<script>x</script>", "evil", 1.0, (cite,)
                    ),
                ),
            ),
        ),
        sources=(
            SourceInfo(
                "evil",
                1,
                "<script>alert('name')</script>",
                "file",
                "x",
                "[p](javascript:x)",
                "javascript:alert(1)",
            ),
            SourceInfo("dead", 2, "Dead", "file", "y", None, "data:text/html,<script>x</script>"),
        ),
        statuses=(
            SourceStatus("evil", Status.OK, 1),
            SourceStatus("dead", Status.FAILED, 0, '<img src="file:///etc/passwd"> failed'),
        ),
    )


@pytest.fixture(scope="module")
def briefing() -> Briefing:
    return make_briefing()


@pytest.fixture(scope="module")
def outputs(briefing: Briefing) -> dict[str, bytes]:
    """All formats rendered once; PDF rendering is the slow part."""
    return render(briefing, ["md", "html", "pdf", "json"])


class _Elements(HTMLParser):
    """Collects start tags so tests check elements, not substrings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(html: str) -> None:
    """No active element and no link or resource outside http(s) and in-page anchors."""
    doc = parse(html)
    names = {tag for tag, _ in doc.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
    for _tag, attrs in doc.tags:
        assert not any(name.startswith("on") for name in attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value or value.startswith(("#", "http://", "https://")), value


# --------------------------------------------------------------------------- all formats


def test_every_requested_format_and_only_those(
    outputs: dict[str, bytes], briefing: Briefing
) -> None:
    assert list(outputs) == ["md", "html", "pdf", "json"]
    assert all(outputs.values())
    assert list(render(briefing, ["json", "md"])) == ["json", "md"]


def test_pdf_alone_still_renders_from_html(briefing: Briefing, outputs: dict[str, bytes]) -> None:
    only = render(briefing, ["pdf"])
    assert list(only) == ["pdf"]
    assert only["pdf"] == outputs["pdf"]  # also: PDF bytes are reproducible


def test_unknown_format_is_a_render_error(briefing: Briefing) -> None:
    with pytest.raises(RenderError, match="docx"):
        render(briefing, ["md", "docx"])


def test_text_formats_are_byte_identical_across_renders(
    briefing: Briefing, outputs: dict[str, bytes]
) -> None:
    again = render(make_briefing(), ["md", "html", "json"])
    for fmt in ("md", "html", "json"):
        assert again[fmt] == outputs[fmt], fmt
    assert outputs["json"].endswith(b"}\n")
    assert outputs["md"].endswith(b"\n") and not outputs["md"].endswith(b"\n\n")


# --------------------------------------------------------------------------- HTML


def test_html_document_shape(outputs: dict[str, bytes]) -> None:
    html = outputs["html"].decode("utf-8")
    assert html.startswith('<!doctype html>\n<html lang="en">')
    doc = parse(html)
    tags = [tag for tag, _ in doc.tags]
    assert tags.count("h1") == 1
    metas = [attrs for tag, attrs in doc.tags if tag == "meta"]
    assert {"charset": "utf-8"} in metas
    assert any(m.get("name") == "viewport" for m in metas)
    assert {"name": "author", "content": "CNBC, Reuters"} in metas
    assert {"name": "dcterms.created", "content": "2026-11-21T00:00:00-05:00"} in metas
    assert "<style>" in html and "@page" in html and "counter(pages)" in html
    assert_inert(html)  # no scripts, no external assets


def test_html_content(outputs: dict[str, bytes]) -> None:
    html = outputs["html"].decode("utf-8")
    text = " ".join("".join(parse(html).text).split())
    assert "US–China: the call" in text and "What Trump and Xi said — and didn’t" in text
    assert "Saturday, 21 November 2026" in text and 'datetime="2026-11-21"' in html
    assert "习近平 spoke “for more than an hour”" in text
    for title in ("The call", "Taiwan “red line”", "Markets"):
        assert f"<h2>{title}</h2>" in html
    assert html.index("The call") < html.index("Taiwan") < html.index("Markets")
    assert "Nothing in today's sources." in text
    assert "An unrelated sentence" not in html  # briefing.other is JSON-only
    # editor's notes are Markdown, with headings kept below the one h1
    assert "<strong>this</strong>" in html and "<em>disagree</em>" in html
    assert "<h2>An editor heading</h2>" in html  # the briefing note sits under the h1
    # citations: each distinct source once, "[1, 2]" as in Markdown, the chart and the notes,
    # kept with the sentence's last word; the marks say how many sources, so no count
    assert (
        '&#8288;<span class="cite">&nbsp;[<a href="#source-1" title="CNBC article">1</a>, '
        '<a href="#source-2" title="Short report">2</a>]</span>' in html
    )
    assert "2 sources" not in text and "<sup" not in html
    assert '<p class="counts">3 sources (1 failed) · ' in html


def test_html_sources_with_status(outputs: dict[str, bytes]) -> None:
    html = outputs["html"].decode("utf-8")
    doc = parse(html)
    ids = [attrs["id"] for tag, attrs in doc.tags if tag == "li" and "id" in attrs]
    assert ids == ["source-1", "source-2", "source-3"]  # by number, not by input order
    links = [attrs["href"] for tag, attrs in doc.tags if tag == "a"]
    assert "https://www.cnbc.com/2026/11/20/trump-xi-call.html" in links
    failed = html[html.index('id="source-3"') :]
    failed = failed[: failed.index("</li>")]
    assert "source-failed" in failed
    table = html[html.index('<table class="status-table">') :]
    rows = table[: table.index("</tbody>")].split("<tr")[2:]
    assert len(rows) == 3
    assert 'class="status-failed"' in rows[2] and ">failed<" in rows[2]
    assert '<td class="reason">connection refused by host</td>' in rows[2]
    assert ">not modified<" in rows[1]
    # the failure is announced before the content, not only in the list at the end
    assert html.index("could not be read") < html.index("<main>")


def test_html_escapes_hostile_source_text() -> None:
    html = render(hostile_briefing(), ["html"])["html"].decode("utf-8")
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:alert(1)" in html  # shown as text, never as a link


# --------------------------------------------------------------------------- Markdown


def test_markdown_content(outputs: dict[str, bytes]) -> None:
    md = outputs["md"].decode("utf-8")
    assert md.startswith("# US–China: the call\n")
    assert "*What Trump and Xi said — and didn’t*" in md
    assert "\nSaturday, 21 November 2026\n" in md and "2026-11-21" not in md  # the date once
    assert "Read **this** first.\n\n# An editor heading" in md  # editor's note as written
    assert "\n## The call\n\nSources *disagree* on the length.\n\n- Trump" in md
    assert "“candid”. [1, 2]\n" in md
    assert "officials said. [1]\n" in md
    assert "## Markets\n\n*Nothing in today's sources.*\n" in md
    assert "An unrelated sentence" not in md
    sources = md[md.index("## Sources") :]
    assert sources.index("[1] **CNBC article**") < sources.index("[2] **Short report**")
    # the publisher only where the name does not say it, then the date and the link
    assert (
        "- [1] **CNBC article**, 20 November 2026, 09:30 EST — "
        "<https://www.cnbc.com/2026/11/20/trump-xi-call.html>\n" in sources
    )
    assert "- [3] **Wire feed**, Reuters\n" in sources
    status = md[md.index("## Source status") :]
    assert "| 3 | Wire feed | file | **failed** | 0 | connection refused by host |" in status
    assert "| 2 | Short report | file | not modified | 1 |  |" in status


def test_markdown_hostile_text_stays_text_when_rendered() -> None:
    md = render(hostile_briefing(), ["md"])["md"].decode("utf-8")
    html = markdown.markdown(md)
    for bad in ("<script", "<img", 'href="javascript', "href='javascript"):
        assert bad not in html, bad
    assert_inert(html)
    # one h1 (the title) and one h2 per section plus Sources and Source status
    tags = [tag for tag, _ in parse(html).tags]
    assert tags.count("h1") == 1 and tags.count("h2") == 3
    assert tags.count("ol") == 0


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        (
            "Xi said: “It’s fine”, and—well, 3.5% more.",
            "Xi said: “It’s fine”, and—well, 3.5% more.",
        ),
        ("U.S.-China talks (again)!", "U.S.-China talks (again)!"),
        ("- not a list", "\\- not a list"),
        ("+ not a list", "\\+ not a list"),
        ("1. not a list", "1\\. not a list"),
        ("2026) not a list", "2026\\) not a list"),
        ("# not a heading", "\\# not a heading"),
        ("a *b* _c_ `d` | e ~f~", "a \\*b\\* \\_c\\_ \\`d\\` \\| e \\~f\\~"),
        ("[x](javascript:y)", "\\[x\\](javascript:y)"),
        ("![x](y)", "\\!\\[x\\](y)"),
        ("<b>&amp;</b> AT&T", "&lt;b&gt;&amp;amp;&lt;/b&gt; AT&T"),
        ("back\\slash {x}", "back\\\\slash \\{x\\}"),
        ("two\n\nparagraphs\n    code", "two paragraphs code"),
        (None, ""),
    ],
)
def test_md_escape(raw: str | None, escaped: str) -> None:
    assert md_escape(raw) == escaped


# --------------------------------------------------------------------------- templates


def test_builtin_templates_and_autoescape_per_format() -> None:
    folder = builtin_templates()
    for name in ("briefing.md.j2", "briefing.html.j2", "briefing.css", "print.css"):
        assert (folder / name).is_file()
    env = environment(None)
    assert isinstance(env.undefined, type) and issubclass(env.undefined, jinja2.StrictUndefined)
    assert callable(env.autoescape)
    assert env.autoescape("briefing.html.j2") and env.autoescape("x.html")
    assert not env.autoescape("briefing.md.j2") and not env.autoescape("briefing.css")


def test_user_template_overrides_by_name(tmp_path: Path, briefing: Briefing) -> None:
    (tmp_path / "briefing.md.j2").write_text(
        "Custom {{ briefing.title|md_escape }} {{ date_iso }}\n", encoding="utf-8"
    )
    out = render(briefing, ["md", "html"], user_templates=tmp_path)
    assert out["md"] == "Custom US–China: the call 2026-11-21\n".encode()
    assert out["html"].startswith(b"<!doctype html>")  # the built-in one


def test_user_css_overrides_the_inlined_style(tmp_path: Path, briefing: Briefing) -> None:
    (tmp_path / "briefing.css").write_text("body { color: rebeccapurple; }\n", encoding="utf-8")
    html = render(briefing, ["html"], user_templates=tmp_path)["html"].decode("utf-8")
    assert "}\nbody { color: rebeccapurple; }\n/* Print and PDF" in html
    assert html.index('font-family: "Digest Serif"') < html.index("rebeccapurple")  # fonts stay


def test_template_syntax_error_names_the_file_and_line(tmp_path: Path, briefing: Briefing) -> None:
    (tmp_path / "briefing.html.j2").write_text(
        "<!doctype html>\n<p>ok</p>\n{% if %}\n", encoding="utf-8"
    )
    with pytest.raises(RenderError) as caught:
        render(briefing, ["html"], user_templates=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "briefing.html.j2") in message and "line 3" in message


def test_template_runtime_error_names_the_file(tmp_path: Path, briefing: Briefing) -> None:
    (tmp_path / "briefing.md.j2").write_text(
        "# {{ briefing.title }}\n{{ nope }}\n", encoding="utf-8"
    )
    with pytest.raises(RenderError, match=r"briefing\.md\.j2, line 2: 'nope' is undefined"):
        render(briefing, ["md"], user_templates=tmp_path)


def test_only_http_urls_are_linkable() -> None:
    assert http_url("https://example.com/a?b=c") == "https://example.com/a?b=c"
    assert http_url(" HTTP://example.com ") == "HTTP://example.com"
    for bad in (
        None,
        "",
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "//example.com",
        "https://",
        'https://x.com/"><script>',
    ):
        assert http_url(bad) is None, bad


# --------------------------------------------------------------------------- JSON


def test_json_validates_against_the_shipped_schema(outputs: dict[str, bytes]) -> None:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(outputs["json"])
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    status_enum = schema["$defs"]["source"]["properties"]["status"]["enum"]
    assert set(status_enum) == {s.value for s in Status} | {None}


def test_json_content_and_round_trip(outputs: dict[str, bytes], briefing: Briefing) -> None:
    document = json.loads(outputs["json"])
    assert document == to_json(briefing)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert text.encode("utf-8") == outputs["json"]
    assert "习近平" in outputs["json"].decode("utf-8")  # not \u-escaped
    assert list(document) == [
        "schema",
        "title",
        "subtitle",
        "date",
        "timezone",
        "window",
        "note",
        "tracked",
        "new_items",
        "top_lines",
        "figures",
        "people",
        "sections",
        "other",
        "sources",
    ]
    assert document["schema"] == "digest.briefing/1" and document["date"] == "2026-11-21"
    first = document["sections"][0]["items"][0]
    assert first["score"] == 3.1416 and first["sources"] == [1, 2]
    assert [c["source"] for c in first["citations"]] == [1, 2, 1]
    assert document["sections"][2]["items"] == []
    assert [i["text"] for i in document["other"]] == ["An unrelated sentence."]
    sources = document["sources"]
    assert [s["number"] for s in sources] == [1, 2, 3]
    assert sources[0]["published"] == "2026-11-20T14:30:00+00:00"
    assert sources[2] | {} == {
        "id": "wire",
        "number": 3,
        "name": "Wire feed",
        "kind": "file",
        "location": "feeds/*.txt",
        "publisher": "Reuters",
        "url": None,
        "published": None,
        "status": "failed",
        "documents": 0,
        "reason": "connection refused by host",
    }


def test_json_of_a_source_without_status(briefing: Briefing) -> None:
    document = to_json(replace(briefing, statuses=()))
    assert {s["status"] for s in document["sources"]} == {None}


# --------------------------------------------------------------------------- PDF


def test_pdf_text_metadata_and_no_warnings(
    briefing: Briefing, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="weasyprint")
    pdf = render(briefing, ["pdf"])["pdf"]
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # pypdf reads DejaVu Serif's ToUnicode map as UTF-16 with NULs (poppler reads it
    # right); drop them rather than depend on poppler being installed
    text = " ".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    for title in ("US–China: the call", "The call", "Taiwan “red line”", "Markets", "Sources"):
        assert title in text, title
    assert "connection refused by host" in text
    meta = reader.metadata
    assert meta is not None and meta.title == "US–China: the call — 2026-11-21"
    assert meta.creation_date is not None and meta.creation_date.isoformat().startswith(
        "2026-11-21T00:00:00"
    )
    # Our HTML and CSS draw no complaints; missing system fonts are the host's business.
    host = ("HarfBuzz-Subset", ".notdef glyph")
    complaints = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("weasyprint") and not any(h in r.getMessage() for h in host)
    ]
    assert complaints == []


@pytest.fixture
def loopback_server() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    seen: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_pdf_fetches_nothing(
    tmp_path: Path,
    briefing: Briefing,
    loopback_server: tuple[int, list[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, requests = loopback_server
    base = f"http://127.0.0.1:{port}"
    (tmp_path / "briefing.html.j2").write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{{{ briefing.title }}}}</title>
<link rel=stylesheet href="file:///etc/passwd">
<link rel="stylesheet" href="{base}/linked.css">
<style>
@import url("{base}/imported.css");
@font-face {{ font-family: Remote; src: url("{base}/font.woff"); }}
body {{ font-family: Remote, serif; background: url("{base}/background.png"); }}
</style></head>
<body><h1>{{{{ briefing.title }}}}</h1>
<img src="{base}/x.png"><img src="file:///etc/passwd">
<object data="{base}/object.svg"></object><embed src="{base}/embed.svg">
<svg width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/></svg>
</body></html>
""",
        encoding="utf-8",
    )
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    pdf = render(briefing, ["pdf"], user_templates=tmp_path)["pdf"]
    assert pdf.startswith(b"%PDF-")
    assert requests == []
    refusals = [r.getMessage() for r in caplog.records if "does not fetch" in r.getMessage()]
    assert refusals  # the fetcher was asked, and said no
    assert any("/etc/passwd" in message for message in refusals)
    # the server was listening all along, so "no requests" means none were made
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/probe")
        connection.getresponse().read()
    finally:
        connection.close()
    assert requests == ["/probe"]


# --------------------------------------------------------------------------- coverage window


def test_coverage_window_in_every_format(briefing: Briefing) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    windowed = replace(
        briefing,
        timezone="America/New_York",
        window_start=datetime(2026, 11, 19, 18, 30, tzinfo=zone),
        window_end=datetime(2026, 11, 21, 6, 30, tzinfo=zone),
    )
    out = render(windowed, ["md", "html", "json"])
    expected = "covers 19 Nov 18:30 – 21 Nov 2026 06:30 EST"
    assert expected in out["md"].decode("utf-8")
    assert expected in out["html"].decode("utf-8")
    data = json.loads(out["json"])
    assert data["window"] == {
        "start": "2026-11-19T18:30:00-05:00",
        "end": "2026-11-21T06:30:00-05:00",
    }
    jsonschema.validate(data, json.loads(schema_path().read_text(encoding="utf-8")))
    assert json.loads(render(briefing, ["json"])["json"])["window"] is None
    assert "covers" not in render(briefing, ["md"])["md"].decode("utf-8")


# --------------------------------------------------------------------------- intelligence


def intelligence_briefing(briefing: Briefing) -> Briefing:
    from digest.models import Figure, Person, Quantity

    cite = briefing.sections[0].items[0].citations
    top = briefing.sections[0].items[0]
    return replace(
        briefing,
        top_lines=(top,),
        figures=(
            Figure(
                "US tariffs on <b>Chinese</b> goods",
                Quantity(30.0, "percent", "30 percent"),
                cite,
                before=Quantity(145.0, "percent", "145 percent"),
                note="lowered by 115 points",
            ),
            Figure(
                "phone call",
                Quantity(90.0, "minute", "90-minute"),
                cite[:1],
                consistent=False,
                variants=(Quantity(60.0, "minute", "an hour"),),
            ),
        ),
        people=(
            Person("Howard Lutnick", ("Commerce Secretary",), ("Lutnick",), 3, cite, pinned=True),
        ),
    )


def test_top_lines_key_figures_and_whos_who_in_every_format(briefing: Briefing) -> None:
    rich = intelligence_briefing(briefing)
    out = render(rich, ["md", "html", "json"])
    md = out["md"].decode("utf-8")
    assert md.index("## Top lines") < md.index("## Key figures") < md.index("## The call")
    assert (
        "| US tariffs on &lt;b&gt;Chinese&lt;/b&gt; goods | 145% → 30% — *lowered by 115 points* | [1, 2] |"
        in md
    )
    assert "| Phone call | 90-minute **(sources differ: an hour)** | [1] |" in md
    assert "- **Howard Lutnick** — Commerce Secretary [1, 2] *(watchlist)*" in md
    html = out["html"].decode("utf-8")
    assert_inert(html)
    assert "<td>US tariffs on &lt;b&gt;Chinese&lt;/b&gt; goods</td>" in html
    assert 'class="disputed"' in html and "sources differ: an hour" in html
    assert html.index('id="top-lines"') < html.index('id="key-figures"') < html.index("<main>")
    assert html.index("</main>") < html.index('id="people"') < html.index('id="sources"')
    data = json.loads(out["json"])
    jsonschema.validate(data, json.loads(schema_path().read_text(encoding="utf-8")))
    [first, second] = data["figures"]
    assert first["before"] == {"value": 145.0, "unit": "percent", "text": "145 percent"}
    assert first["sources"] == [1, 2] and len(first["citations"]) == 3
    assert second["consistent"] is False and second["variants"][0]["text"] == "an hour"
    assert data["people"][0]["name"] == "Howard Lutnick" and data["people"][0]["pinned"] is True
    assert data["top_lines"][0]["text"] == rich.top_lines[0].text


def test_no_figures_no_table(briefing: Briefing) -> None:
    out = render(briefing, ["md", "html"])
    assert "Key figures" not in out["md"].decode("utf-8")
    assert "Key figures" not in out["html"].decode("utf-8")
    assert "Who" not in out["md"].decode("utf-8")


# --------------------------------------------------------------------------- what's new


def test_whats_new_line_and_repeat_marks(briefing: Briefing) -> None:
    first = briefing.sections[0]
    marked = replace(
        first, items=(replace(first.items[0], first_reported=date(2026, 11, 18)), *first.items[1:])
    )
    tracked = replace(briefing, sections=(marked, *briefing.sections[1:]), tracked=True)
    out = render(tracked, ["md", "html", "json"])
    md = out["md"].decode("utf-8")
    shown = len(tracked.shown_items)
    assert f"**What’s new:** {shown - 1} of {shown} items are new since the last briefing." in md
    assert "[1, 2] *(reported 18 November)*\n" in md
    assert md.count(" *(new)*\n") == shown - 1  # as the HTML marks them
    html = out["html"].decode("utf-8")
    assert '<span class="repeat">&nbsp;reported 18 November</span>' in html
    data = json.loads(out["json"])
    assert data["tracked"] is True and data["new_items"] == shown - 1
    assert data["sections"][0]["items"][0]["first_reported"] == "2026-11-18"
    assert "What’s new" not in render(briefing, ["md"])["md"].decode("utf-8")  # untracked


def test_json_reads_back_into_the_same_briefing(briefing: Briefing) -> None:
    from digest.render import from_json

    rich = replace(intelligence_briefing(briefing), tracked=True)
    document = to_json(rich)
    again = from_json(json.loads(json.dumps(document)))
    assert to_json(again) == document
    assert render(again, ["md"]) == render(rich, ["md"])


def test_json_that_is_not_a_briefing_is_a_render_error() -> None:
    from digest.render import from_json

    with pytest.raises(RenderError, match="not a briefing JSON document"):
        from_json({"schema": "digest.briefing/1", "title": "x"})


def test_source_list_links_the_cited_articles(briefing: Briefing) -> None:
    first = briefing.sections[0].items[0]
    linked = replace(
        first.citations[0], url="https://news.example/a?id=1", title="Trump and Xi talk"
    )
    hostile = replace(first.citations[1], url="javascript:alert(1)", title="<b>bad</b>")
    item = replace(first, citations=(linked, hostile, *first.citations[2:]))
    section = replace(briefing.sections[0], items=(item, *briefing.sections[0].items[1:]))
    html = render(replace(briefing, sections=(section, *briefing.sections[1:])), ["html"])
    text = html["html"].decode("utf-8")
    assert '<li><a href="https://news.example/a?id=1">Trump and Xi talk</a></li>' in text
    assert "<li>&lt;b&gt;bad&lt;/b&gt;</li>" in text  # not a link, and inert
    assert_inert(text)


def test_html_outline_is_sound(briefing: Briefing) -> None:
    html = render(intelligence_briefing(briefing), ["html"])["html"].decode("utf-8")
    doc = parse(html)
    assert ("html", {"lang": "en"}) in [(t, dict(a)) for t, a in doc.tags if t == "html"]
    levels = [
        int(tag[1]) for tag, _ in doc.tags if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit()
    ]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))  # no skipped level


def test_chart_inline_when_figures_changed_absent_otherwise(briefing: Briefing) -> None:
    html = render(intelligence_briefing(briefing), ["html"])["html"].decode("utf-8")
    assert '<figure class="figures-chart">' in html and "<svg" in html
    assert_inert(html)
    plain = render(briefing, ["html"])["html"].decode("utf-8")
    assert "<svg" not in plain and "figures-chart" not in plain.split("</style>")[1]


def test_new_badges_only_when_something_is_not_new(briefing: Briefing) -> None:
    all_new = render(replace(briefing, tracked=True), ["html", "md"])
    html = all_new["html"].decode("utf-8")
    assert '<span class="new">' not in html  # a mark every item carries says nothing
    shown = len(briefing.shown_items)
    assert f"all {shown} items; no earlier briefing carried any of them." in html  # one colon
    first = briefing.sections[0]
    marked = replace(
        first, items=(replace(first.items[0], first_reported=date(2026, 11, 18)), *first.items[1:])
    )
    some = replace(briefing, sections=(marked, *briefing.sections[1:]), tracked=True)
    html = render(some, ["html"])["html"].decode("utf-8")
    assert html.count('<span class="new">&nbsp;new</span>') == len(some.shown_items) - 1
    assert '&#8288;<span class="repeat">&nbsp;reported 18 November</span>' in html


@pytest.mark.parametrize(
    "payload",
    [
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ joiner.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
        "{% set x = briefing.sections.append(1) %}",  # no changing the briefing either
    ],
)
def test_templates_are_sandboxed(tmp_path: Path, briefing: Briefing, payload: str) -> None:
    """A template somebody else wrote runs no command, reads no file, calls no server."""
    (tmp_path / "briefing.md.j2").write_text(f"# hi\n{payload}\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"briefing\.md\.j2.*(sandbox|unsafe|no attribute)"):
        render(briefing, ["md"], user_templates=tmp_path)


def test_the_sandbox_leaves_ordinary_templates_alone(tmp_path: Path, briefing: Briefing) -> None:
    (tmp_path / "briefing.md.j2").write_text(
        "{% for s in briefing.sections %}{{ s.title|upper }} {{ s.items|length }};{% endfor %}"
        "{{ date_iso }} {{ briefing.title.split(':')[0] }}\n",
        encoding="utf-8",
    )
    out = render(briefing, ["md"], user_templates=tmp_path)["md"].decode()
    assert out.endswith("2026-11-21 US–China\n") and ";" in out


# --------------------------------------------------------------------------- editorial fields


def editorial_briefing(briefing: Briefing) -> Briefing:
    """A top line worded from [1] with [2]'s own (hostile) sentence beside it and a note on
    how their attributions differ; lifted from "The call", and the only news of "Markets"."""
    agreed = "Trump and Xi agreed that rare earths need no questions."
    own = _cite("report", 2, "report-1", 9, "Trump wrote: " + HOSTILE)
    top = Item(
        agreed,
        "call",
        4.0,
        (_cite("cnbc", 1, "cnbc-1", 3, agreed), own),
        original="During the call, " + agreed,
        beside=(own,),
        differs="attribution differs: [1] Trump and Xi agreed; [2] Trump <b>wrote</b>",
    )
    call, taiwan, markets = briefing.sections
    return replace(
        briefing,
        top_lines=(top, briefing.sections[1].items[0]),
        sections=(replace(call, lifted=(1,)), taiwan, replace(markets, lifted=(1, 2, 9))),
    )


def test_beside_differs_and_lifted_in_markdown(briefing: Briefing) -> None:
    md = render(editorial_briefing(briefing), ["md"])["md"].decode("utf-8")
    top = md.split("## Top lines\n\n", 1)[1]
    line, beside = top.splitlines()[:2]
    assert line == (
        "- Trump and Xi agreed that rare earths need no questions. [1, 2] "
        "**(attribution differs: \\[1\\] Trump and Xi agreed; \\[2\\] Trump &lt;b&gt;wrote&lt;/b&gt;)**"
    )
    assert beside == "    - \\[2\\]: Trump wrote: " + md_escape(HOSTILE)
    assert "During the call" not in md  # the original wording is for JSON and explain only
    call = md.split("## The call\n", 1)[1].split("## ", 1)[0]
    assert call.endswith("[1]\n\n*Also in this section: top line 1.*\n\n")
    markets = md.split("## Markets\n", 1)[1].split("## ", 1)[0]
    assert markets == "\n*See top lines 1 and 2 above.*\n\n"  # not "nothing"; no top line 9
    assert "Nothing in today's sources" not in md

    # rendered, the sub-line is a nested list item that says "[2]:", not a link definition
    html = markdown.markdown(md, extensions=["sane_lists"])
    assert "<ul>\n<li>[2]: Trump wrote: " in html
    assert_inert(html)


def test_beside_differs_and_lifted_in_html(briefing: Briefing) -> None:
    html = render(editorial_briefing(briefing), ["html"])["html"].decode("utf-8")
    assert_inert(html)
    assert (
        '<strong class="differ">attribution differs: [1] Trump and Xi agreed; '
        "[2] Trump &lt;b&gt;wrote&lt;/b&gt;</strong>" in html
    )
    assert (
        '<ul class="beside">\n<li><a href="#source-2">[2]</a>: Trump wrote: &lt;script&gt;' in html
    )
    assert "During the call" not in html
    doc = parse(html)
    ids = {attrs.get("id") for _tag, attrs in doc.tags}
    assert {"top-line-1", "top-line-2"} <= ids
    assert (
        '<p class="lifted">Also in this section: top line <a href="#top-line-1">1</a>.</p>' in html
    )
    assert (
        '<p class="lifted">See top lines <a href="#top-line-1">1</a> and '
        '<a href="#top-line-2">2</a> above.</p>' in html
    )
    assert '<p class="empty">' not in html


def test_plain_items_carry_no_editorial_marks(briefing: Briefing) -> None:
    out = render(briefing, ["md", "html"])
    md, html = out["md"].decode("utf-8"), out["html"].decode("utf-8")
    assert "    - " not in md and "**(" not in md and "Also in this section" not in md
    assert 'class="beside"' not in html and 'class="lifted"' not in html
    assert "*Nothing in today's sources.*" in md  # an empty section with nothing lifted


# --------------------------------------------------------------------------- one style


def styled_briefing(briefing: Briefing) -> Briefing:
    """Changes in pounds and in percent, their labels in lower case, cited by two sources."""
    from digest.models import Figure, Quantity

    cite = briefing.sections[0].items[0].citations  # sources 1 and 2
    pounds = Figure(
        "price of a loaf", Quantity(2.5, "GBP", "£2.50"), cite, before=Quantity(2.0, "GBP", "£2")
    )
    percent = Figure(
        "tariffs on steel",
        Quantity(30.0, "percent", "30 percent"),
        cite[:1],
        before=Quantity(145.0, "percent", "145 percent"),
    )
    return replace(briefing, figures=(pounds, percent))


def test_numbers_labels_and_marks_read_the_same_everywhere(briefing: Briefing) -> None:
    import re
    import xml.etree.ElementTree as etree

    out = render(styled_briefing(briefing), ["md", "html", "pdf"])
    md, html = out["md"].decode("utf-8"), out["html"].decode("utf-8")
    assert "| Price of a loaf | £2 → £2.50 | [1, 2] |" in md
    assert "| Tariffs on steel | 145% → 30% | [1] |" in md
    assert "<td>Price of a loaf</td><td>£2 → £2.50</td>" in html.replace(' class="value"', "")
    body = html.split("</style>", 1)[1]
    chart = etree.fromstring(body[body.index("<svg") : body.index("</svg>") + 6])
    texts = ["".join(t.itertext()) for t in chart.iter("{http://www.w3.org/2000/svg}text")]
    assert {"Price of a loaf [1, 2]", "Tariffs on steel [1]"} <= set(texts)
    assert {"£2", "£2.50", "145%", "30%"} <= set(texts)  # as the table writes them
    pdf = " ".join(
        " ".join(page.extract_text().replace("\x00", "").split())
        for page in pypdf.PdfReader(io.BytesIO(out["pdf"])).pages
    )
    assert "£2 → £2.50" in pdf and "145% → 30%" in pdf and "Price of a loaf" in pdf
    assert "“candid”. [1, 2]" in pdf  # the marks as in the chart and Markdown
    for text in (md, body, pdf):
        assert not re.search(r"\d %", text), "a space before a percent sign"
        assert not re.search(r"\d ,\s?\d", text), "a citation mark reads '1 ,2'"


def test_the_details_column_only_when_a_source_has_details(briefing: Briefing) -> None:
    quiet = replace(briefing, statuses=tuple(replace(s, reason=None) for s in briefing.statuses))
    out = render(quiet, ["md", "html"])
    md, html = out["md"].decode("utf-8"), out["html"].decode("utf-8")
    assert "| # | Source | Kind | Status | Documents |\n|---|---|---|---|---|\n" in md
    assert "| 3 | Wire feed | file | **failed** | 0 |\n" in md
    assert "Details" not in md and ">Details<" not in html
    assert '<td class="reason">' not in html
    out = render(briefing, ["md", "html"])  # one source says why it failed: the column is back
    assert "| Documents | Details |" in out["md"].decode("utf-8")
    assert '<th scope="col">Details</th>' in out["html"].decode("utf-8")


def test_each_source_once_with_its_date_and_links(briefing: Briefing) -> None:
    first = briefing.sections[0].items[0]
    page = "https://www.cnbc.com/2026/11/20/trump-xi-call.html"  # the source's own URL
    when = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    own = replace(first.citations[0], url=page, published=when)  # no title: the source itself
    article = replace(
        first.citations[1], url="https://news.example/short", title="Short take", published=when
    )
    item = replace(first, citations=(own, article, *first.citations[2:]))
    section = replace(briefing.sections[0], items=(item, *briefing.sections[0].items[1:]))
    dated = replace(briefing, sections=(section, *briefing.sections[1:]))
    out = render(dated, ["md", "html"])
    md, html = out["md"].decode("utf-8"), out["html"].decode("utf-8")
    sources = md[md.index("## Sources") : md.index("## Source status")]
    # "CNBC article" says its publisher: not "CNBC article, CNBC"; its page is linked once
    assert sources.count(page) == 1
    assert f"- [1] **CNBC article**, 20 November 2026, 18:00 EST — <{page}>\n" in sources
    assert (
        "- [2] **Short report**, 20 November 2026, 18:00 EST\n"
        "    - Short take — <https://news.example/short>\n" in sources
    )
    assert "- [3] **Wire feed**, Reuters\n" in sources
    listed = html[html.index('<h2 id="sources">') : html.index('<h2 id="source-status">')]
    assert listed.count(f'href="{page}"') == 1 and 'class="publisher">CNBC<' not in listed
    assert '<a href="https://news.example/short">Short take</a>' in listed
    rendered = markdown.markdown(md)
    assert_inert(rendered)
    assert '<a href="https://news.example/short">https://news.example/short</a>' in rendered


def test_the_html_holds_its_fonts_and_fetches_nothing(outputs: dict[str, bytes]) -> None:
    import re

    html = outputs["html"].decode("utf-8")
    urls = re.findall(r"(?<!\w)url\(\s*\"?([^\")]*)", html)  # not font_url() in a comment
    assert len(urls) == 5  # Noto Serif regular, italic, bold; Noto Sans regular, bold
    assert all(u.startswith("data:font/woff2;base64,") for u in urls)
    assert html.count('font-family: "Digest Serif";') == 3


def test_a_template_names_fonts_by_file_name_only(tmp_path: Path, briefing: Briefing) -> None:
    for name in ("../briefing.css", "/etc/passwd", "fonts/NotoSerif-Regular.woff2", "OFL.txt"):
        (tmp_path / "briefing.md.j2").write_text(f"{{{{ font_url({name!r}) }}}}", encoding="utf-8")
        with pytest.raises(RenderError, match=r"briefing\.md\.j2.*(not a font file|no font)"):
            render(briefing, ["md"], user_templates=tmp_path)


def test_the_pdf_reads_the_templates_fonts_and_nothing_else(
    tmp_path: Path, briefing: Briefing, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    from digest.render import builtin_templates

    secret = tmp_path / "secret.woff2"
    shutil.copy(builtin_templates() / "fonts" / "NotoSans-Bold.woff2", secret)
    templates = tmp_path / "templates"
    (templates / "fonts").mkdir(parents=True)
    (templates / "fonts" / "link.woff2").symlink_to(secret)  # a way out of the folder
    shutil.copy(
        builtin_templates() / "fonts" / "NotoSerif-Italic.woff2", templates / "fonts" / "Mine.woff2"
    )
    refused = [
        "fonts/../secret.woff2",
        "fonts/link.woff2",
        "fonts/OFL.txt",
        "fonts/Mine.woff2?x",
        "file:///digest-templates/fonts/%2e%2e/secret.woff2",
        secret.as_uri(),
    ]
    faces = "".join(
        f'@font-face {{ font-family: Bad{i}; src: url("{url}"); }}' for i, url in enumerate(refused)
    )
    (templates / "briefing.html.j2").write_text(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title><style>
{faces}
@font-face {{ font-family: Mine; src: url("fonts/Mine.woff2"); }}
@font-face {{ font-family: Shipped; src: url("{{{{ font_url('NotoSans-Regular.woff2') }}}}"); }}
h1 {{ font-family: Mine }} p {{ font-family: Shipped }}
{" ".join(f".b{i} {{ font-family: Bad{i} }}" for i in range(len(refused)))}
</style></head><body><h1>Mine</h1><p>Shipped</p>
{"".join(f'<p class="b{i}">bad</p>' for i in range(len(refused)))}</body></html>
""",
        encoding="utf-8",
    )
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    pdf = render(briefing, ["pdf"], user_templates=templates)["pdf"]
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
    # the user's folder's own font, and a shipped one found in the built-in folder
    assert "Shipped" in fonts and any(name.startswith("Mine") for name in fonts), fonts
    assert not any(name.startswith("Bad") for name in fonts)
    failed = " ".join(
        r.getMessage() for r in caplog.records if "Failed to load font" in r.getMessage()
    )
    for url in refused:
        assert url.split("/")[-1].split("?")[0] in failed, url

"""The PDF read back: text, outline, metadata, pages, fonts, standards, reproducibility.

Everything is read with pypdf (and poppler's pdftotext where it helps and is installed),
never by looking at pixels. PDFs are rendered once per module where tests share them.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner

from digest.config import PdfConfig
from digest.models import (
    Briefing,
    Citation,
    Figure,
    Item,
    Person,
    Quantity,
    Section,
    SourceInfo,
    SourceStatus,
    Status,
)
from digest.render import render

from .conftest import ROOT

TITLE = "US–China: the call"
SUBTITLE = "What Trump and Xi said — and didn’t"
HAN = "习近平"
CM = 72 / 2.54  # PDF points per centimetre


def _cite(number: int, index: int, text: str) -> Citation:
    return Citation(f"s{number}", number, f"d{number}", index, text)


def make_briefing(items: int = 3, sources: int = 3) -> Briefing:
    """Sections, top lines, key figures, people, a failed source; ``items`` per section."""
    texts = (
        "China will resume purchases of US soybeans, officials said on Thursday after a "
        "conversation that both governments described as constructive and forward-looking.",
        "Xi raised Taiwan, calling it “the most important issue” in relations between the "
        "countries, and warned against any move that would undermine the understanding.",
        "Markets rose in Shanghai and New York as investors read the call as a sign that "
        "the negotiations on tariffs and export controls would resume within weeks.",
    )
    infos = tuple(
        SourceInfo(
            f"s{n}",
            n,
            f"Source {n}",
            "feed",
            f"https://news.example/{n}.xml",
            publisher=("Reuters", "CNBC", "Xinhua")[n % 3],
            url=f"https://news.example/{n}",
        )
        for n in range(1, sources + 1)
    )
    statuses = tuple(
        SourceStatus(
            s.id,
            Status.FAILED if s.number == 2 else Status.OK,
            0 if s.number == 2 else 1,
            f"row {s.number}: connection refused by host after three attempts"
            if s.number == 2
            else f"row {s.number}: read in full",
        )
        for s in infos
    )

    def section(sid: str, title: str) -> Section:
        return Section(
            sid,
            title,
            "",
            tuple(
                Item(
                    f"{title} item {k + 1}: {texts[k % 3]}",
                    sid,
                    1.0,
                    (_cite(k % sources + 1, k, texts[k % 3]),),
                )
                for k in range(items)
            ),
        )

    sections = (
        section("call", "The call"),
        section("taiwan", "Taiwan “red line”"),
        section("markets", "Markets"),
    )
    figure = Figure(
        "US tariffs on Chinese goods",
        Quantity(30.0, "percent", "30 percent"),
        (_cite(1, 0, "cut to 30 percent"),),
        before=Quantity(145.0, "percent", "145 percent"),
    )
    person = Person("Scott Bessent", ("Treasury Secretary",), (), 2, (_cite(1, 0, "Bessent"),))
    return Briefing(
        title=TITLE,
        subtitle=SUBTITLE,
        date=date(2026, 11, 21),
        timezone="America/New_York",
        sections=sections,
        sources=infos,
        statuses=statuses,
        top_lines=(sections[0].items[0],),
        figures=(figure,),
        people=(person,),
    )


def pdf_of(briefing: Briefing, user_templates: Path | None = None, **settings: Any) -> bytes:
    return render(briefing, ["pdf"], user_templates, PdfConfig(**settings))["pdf"]


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    # pypdf reads DejaVu Serif's ToUnicode map as UTF-16 with NULs; drop them
    return " ".join(page.extract_text() for page in reader(pdf).pages).replace("\x00", "")


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, words joined by single spaces (lines run together)."""
    return [" ".join(page.extract_text().replace("\x00", "").split()) for page in reader(pdf).pages]


def placed_text(page: pypdf.PageObject) -> list[tuple[float, str]]:
    """(height above the page's bottom edge, text) of every piece of text on the page."""
    found: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            found.append((cm[1] * tm[4] + cm[3] * tm[5] + cm[5], text.replace("\x00", "")))

    page.extract_text(visitor_text=visit)
    return found


def outline_titles(pdf: bytes) -> list[Any]:
    """The outline as nested lists of titles: ``[title, [child, child, …]]``."""

    def walk(nodes: list[Any]) -> list[Any]:
        return [walk(n) if isinstance(n, list) else n.title for n in nodes]

    return walk(reader(pdf).outline)


@pytest.fixture(scope="module")
def briefing() -> Briefing:
    return make_briefing()


@pytest.fixture(scope="module")
def pdf(briefing: Briefing) -> bytes:
    return pdf_of(briefing)


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    """Several pages, a status table that runs over a page break."""
    return pdf_of(make_briefing(items=14, sources=60))


# --------------------------------------------------------------------------- content


def test_text_reads_back(pdf: bytes) -> None:
    text = " ".join(text_of(pdf).split())
    for expected in (TITLE, SUBTITLE, "Top lines", "Key figures", "The call", "Markets"):
        assert expected in text, expected
    assert "Taiwan “red line”" in text
    assert "145% → 30%" in text
    assert "Scott Bessent" in text
    assert "row 2: connection refused by host" in text


def test_outline_has_the_title_and_every_section_under_it(pdf: bytes) -> None:
    assert outline_titles(pdf) == [
        TITLE,
        [
            "Top lines",
            "Key figures",
            "The call",
            "Taiwan “red line”",
            "Markets",
            "Who’s who",
            "Sources",
            "Source status",
        ],
    ]
    # each entry opens the page its heading is on
    doc = reader(pdf)
    root, children = doc.outline[0], doc.outline[1]
    assert doc.get_destination_page_number(root) == 0
    pages = [doc.get_destination_page_number(c) for c in children]
    assert pages == sorted(pages)


def test_metadata_comes_from_the_briefing(pdf: bytes) -> None:
    doc = reader(pdf)
    meta = doc.metadata
    assert meta is not None
    assert meta.title == f"{TITLE} — 2026-11-21"
    assert meta.author == "CNBC, Reuters, Xinhua"  # the publishers, sorted
    assert meta.subject == SUBTITLE
    assert meta["/Keywords"] == "The call, Taiwan “red line”, Markets"
    assert meta.creator == "digest"
    assert (meta.producer or "").startswith("WeasyPrint")
    midnight = "2026-11-21T00:00:00-05:00"  # the briefing day in its time zone
    assert meta.creation_date is not None and meta.creation_date.isoformat() == midnight
    assert meta.modification_date is not None and meta.modification_date.isoformat() == midnight
    assert doc.trailer["/Root"]["/Lang"] == "en"


def test_metadata_the_template_leaves_out_comes_from_the_briefing(
    tmp_path: Path, briefing: Briefing
) -> None:
    """A user's template without <title> or meta tags still gives a described PDF."""
    (tmp_path / "briefing.html.j2").write_text(
        "<!doctype html><html lang=en><body><h1>{{ briefing.title }}</h1></body></html>\n",
        encoding="utf-8",
    )
    meta = reader(pdf_of(briefing, tmp_path)).metadata
    assert meta is not None
    assert meta.title == f"{TITLE} — 2026-11-21"
    assert meta.author == "CNBC, Reuters, Xinhua"
    assert meta.creator == "digest"
    assert meta.creation_date is not None
    assert meta.creation_date.isoformat() == "2026-11-21T00:00:00-05:00"


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize(
    ("size", "width", "height"), [("A4", 21.0 * CM, 29.7 * CM), ("Letter", 612, 792)]
)
def test_page_size_from_config(briefing: Briefing, size: str, width: float, height: float) -> None:
    box = reader(pdf_of(briefing, page_size=size)).pages[0].mediabox
    assert float(box.width) == pytest.approx(width, abs=0.1)
    assert float(box.height) == pytest.approx(height, abs=0.1)


def test_page_size_wins_over_the_template_css(tmp_path: Path, briefing: Briefing) -> None:
    (tmp_path / "print.css").write_text("@page { size: A5; margin: 1cm }\n", encoding="utf-8")
    box = reader(pdf_of(briefing, tmp_path, page_size="Letter")).pages[0].mediabox
    assert (float(box.width), float(box.height)) == (612, 792)


def test_running_header_and_page_numbers(long_pdf: bytes) -> None:
    doc = reader(long_pdf)
    total = len(doc.pages)
    assert total >= 3
    for number, page in enumerate(doc.pages, start=1):
        height = float(page.mediabox.height)
        placed = placed_text(page)
        top = " ".join(t for y, t in placed if y > height - 2.2 * CM)  # the top margin
        bottom = [t.strip() for y, t in placed if y < 1.5 * CM]  # below the text
        assert f"{number} / {total}" in bottom
        if number == 1:  # the first page has the real header instead
            assert TITLE not in top and "November" not in top
        else:
            assert TITLE in top and "Saturday, 21 November 2026" in top, (number, top)


def test_table_rows_are_never_split(long_pdf: bytes) -> None:
    pages = page_texts(long_pdf)
    for number in range(1, 61):
        reason = f"row {number}: " + (
            "connection refused by host after three attempts" if number == 2 else "read in full"
        )
        holding = [i for i, text in enumerate(pages) if reason in text]
        assert len(holding) == 1, f"status row {number} is not whole on one page"
    # the table runs over a page break, and its header row comes again on the next page
    assert sum("# Source Kind Status" in text for text in pages) >= 2


def test_headings_stay_with_their_first_item(long_pdf: bytes) -> None:
    pages = page_texts(long_pdf)
    for title in ("The call", "Taiwan “red line”", "Markets"):
        first = f"{title} item 1:"
        heading_pages = [i for i, t in enumerate(pages) if f"{title} {first}" in t]
        assert len(heading_pages) == 1, f"{title!r} is not followed by its first item"


# A page of each probe: a spacer pushes a heading with its first item, a table row or a
# list item to the foot of the page; 12 spacer heights 2.5 mm apart make sure some probe
# lands across the page break whatever the exact font metrics.
PROBES = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Probes</title>
<style>{% include "briefing.css" %}{% include "print.css" %}
.probe { break-before: page } .spacer { margin: 0; padding: 0 }</style></head><body>
<h1>Probes</h1>
{% for k in range(12) %}
{% set space = 21.5 + k * 0.25 %}
<div class="probe"><div class="spacer" style="height: {{ space }}cm"></div>
<h2>Heading{{ k }}</h2>
<ul class="items"><li>I{{ k }}a {{ words }} I{{ k }}z</li></ul></div>
<div class="probe"><div class="spacer" style="height: {{ space + 1 }}cm"></div>
<table class="status-table"><tbody><tr><td>R{{ k }}a {{ words }} R{{ k }}z</td>
<td>{{ words }}</td></tr></tbody></table></div>
<div class="probe"><div class="spacer" style="height: {{ space + 1 }}cm"></div>
<ul class="items"><li>L{{ k }}a {{ words }} L{{ k }}z</li></ul></div>
{% endfor %}
</body></html>
"""


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The sample briefing as `python3 dev.py sample` builds it (the config's day, a fresh
    state store, so with its "What's new" line)."""
    from digest.cli import main

    folder = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "samples", folder / "samples")
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    args = ["build", "-c", str(folder / "config.yaml"), "-o", str(folder / "out"), "-f", "pdf"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    [pdf] = (folder / "out").glob("*.pdf")
    return pdf.read_bytes()


def heading_page(pdf: bytes, title: str) -> int:
    """The page an outline entry (a heading) opens."""
    doc = reader(pdf)
    [entry] = [e for e in doc.outline[1] if not isinstance(e, list) and e.title == title]
    return doc.get_destination_page_number(entry)


def test_sample_key_figures_heading_stays_with_its_table(sample_pdf: bytes) -> None:
    """The table used to jump whole to the next page, away from its heading and chart,
    leaving the page before it part blank."""
    pages = page_texts(sample_pdf)
    page = heading_page(sample_pdf, "Key figures")
    assert "Figure Value Sources" in pages[page]  # the table's header row
    assert "U.S. tariffs on Chinese goods 145% → 30%" in pages[page]  # and its first row
    assert "What’s new: all 26 items; no earlier briefing carried any of them." in pages[0]


def test_a_long_key_figures_table_runs_on_with_its_header_repeated(briefing: Briefing) -> None:
    note = "as stated in the second report, with the same wording as in the first"
    figures = tuple(
        Figure(f"Row{k} tariff line", Quantity(k + 1.0, "percent", f"{k + 1} percent"),
        (_cite(1, k, "text"),), note=f"Note{k} {note}")
        for k in range(45)
    )  # fmt: skip
    pdf = pdf_of(replace(briefing, figures=figures))
    pages = page_texts(pdf)
    holding = [[i for i, text in enumerate(pages) if f"Row{k} " in text] for k in range(45)]
    assert all(len(found) == 1 for found in holding), "a row is not whole on one page"
    assert all(f"Note{k} " in pages[found[0]] for k, found in enumerate(holding))
    spanned = sorted({found[0] for found in holding})
    assert len(spanned) >= 2, "the table should run over a page break"
    for page in spanned:  # its header row comes again on every page it runs onto
        assert "Figure Value Sources" in pages[page], page
    assert heading_page(pdf, "Key figures") == spanned[0]  # and the heading is with row 1


def test_page_breaks_keep_headings_rows_and_items_whole(tmp_path: Path, briefing: Briefing) -> None:
    words = "news of the day in plain words, " * 12
    (tmp_path / "briefing.html.j2").write_text(
        PROBES.replace("{{ words }}", words), encoding="utf-8"
    )
    pages = page_texts(pdf_of(briefing, tmp_path))

    def page_of(token: str) -> int:
        holding = [i for i, text in enumerate(pages) if f" {token} " in f" {text} "]
        assert len(holding) == 1, token
        return holding[0]

    for k in range(12):
        heading = page_of(f"Heading{k}")
        assert heading == page_of(f"I{k}a"), f"Heading{k} left alone at the foot of a page"
        for kind in "IRL":
            first, last = page_of(f"{kind}{k}a"), page_of(f"{kind}{k}z")
            assert first == last, f"{kind}{k} split over pages {first + 1} and {last + 1}"
    # a title page and 36 probes, and those that did not fit moved whole to a page of their own
    assert len(pages) > 1 + 36


def test_only_the_editors_prose_is_hyphenated(long_pdf: bytes) -> None:
    # WeasyPrint hyphenates with U+2010; the source texts have no such character. Items
    # are ragged-right quotations of sources: broken words there ("Pres-ident") read badly.
    def broken(data: bytes) -> list[str]:
        lines = "\n".join(p.extract_text() for p in reader(data).pages).splitlines()
        return [line for line in lines if line.rstrip().endswith("\u2010")]

    assert not broken(long_pdf)
    prose = " ".join(
        ["Notwithstanding considerable uncertainties, representatives characterised"] * 12
    )
    noted = replace(make_briefing(items=14, sources=60), note=prose)
    lines = broken(pdf_of(noted))
    assert lines, "no word of the editor's note was hyphenated at a line end"
    assert not any("https://" in line for line in lines)


# --------------------------------------------------------------------------- fonts


def fonts(pdf: bytes) -> Iterator[tuple[str, Any]]:
    """Every font the pages use: (base name, font dictionary)."""
    for page in reader(pdf).pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            font = font.get_object()
            yield str(font["/BaseFont"]), font


def test_the_text_is_set_in_the_fonts_shipped_with_the_templates(sample_pdf: bytes) -> None:
    names = {name.split("+", 1)[1] for name, _ in fonts(sample_pdf)}  # "ABCDEF+Digest-Serif"
    assert {"Digest-Serif", "Digest-Serif-Italic", "Digest-Serif-Bold"} <= names  # text
    assert {"Digest-Sans", "Digest-Sans-Bold"} <= names  # dates, marks, tables, running header
    # what is left to the system: the chart's DejaVu Sans, and DejaVu Serif for the arrow
    # (U+2192), which the shipped Latin subset lacks; digest's setup installs both
    assert names - {n for n in names if n.startswith("Digest-")} <= {
        "DejaVu-Sans",
        "DejaVu-Sans-Bold",
        "DejaVu-Serif",
    }


def test_the_same_pdf_whatever_fonts_the_machine_has(
    tmp_path: Path, briefing: Briefing, pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine that has Charter, Georgia, Helvetica or Arial (here: a font that calls
    itself all four) prints the same bytes as one that has none of them."""
    from fontTools.ttLib import TTFont

    from digest.render import builtin_templates

    font = TTFont(builtin_templates() / "fonts" / "NotoSans-Bold.woff2")
    font.flavor = None
    (tmp_path / "fonts").mkdir()
    font.save(tmp_path / "fonts" / "Other.ttf")
    names = "".join(
        f"<string>{n}</string>"
        for n in ("Charter", "Georgia", "Helvetica Neue", "Helvetica", "Arial", "Noto Serif")
    )
    (tmp_path / "fonts.conf").write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{tmp_path / "fonts"}</dir>
  <cachedir>{tmp_path / "cache"}</cachedir>
  <match target="scan">
    <test name="file"><string>{tmp_path / "fonts" / "Other.ttf"}</string></test>
    <edit name="family" mode="prepend">{names}</edit>
  </match>
</fontconfig>
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))
    assert pdf_of(briefing) == pdf


def test_every_font_is_embedded_and_has_every_glyph(pdf: bytes) -> None:
    seen = list(fonts(pdf))
    assert seen
    for name, font in seen:
        assert font["/Subtype"] == "/Type0", name
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, f"{name} not embedded"
        # WeasyPrint gives a font a custom encoding only to map missing glyphs to .notdef
        assert font["/Encoding"] == "/Identity-H", f"{name} lacks glyphs it is used for"


def _weasyprint_ffi() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from weasyprint.text import ffi
    return ffi


def test_fonts_are_subset_by_harfbuzz_without_a_warning(
    briefing: Briefing, caplog: pytest.LogCaptureFixture
) -> None:
    ffi = _weasyprint_ffi()
    if ffi.harfbuzz_subset is None or not ffi.harfbuzz.hb_version_atleast(4, 1, 0):
        pytest.skip("libharfbuzz-subset 4.1+ is not installed (python3 dev.py setup installs it)")
    caplog.set_level(logging.DEBUG)
    pdf = pdf_of(briefing, variant="pdf/a-3b")
    assert pdf.startswith(b"%PDF-")
    complaints = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith(("weasyprint", "fontTools"))
    ]
    assert complaints == []
    assert not [r for r in caplog.records if r.name.startswith("fontTools.subset")]


def _has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def test_chinese_names_print_with_real_glyphs(
    tmp_path: Path, briefing: Briefing, caplog: pytest.LogCaptureFixture
) -> None:
    if not _has_cjk_font():
        pytest.skip("no font for Chinese is installed (fonts-wqy-microhei; dev.py setup adds it)")
    first = briefing.sections[0]
    item = replace(first.items[0], text=f"Trump and {HAN} spoke for more than an hour.")
    named = replace(briefing, sections=(replace(first, items=(item,)), *briefing.sections[1:]))
    caplog.set_level(logging.WARNING, logger="weasyprint")
    pdf = pdf_of(named)
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    for name, font in fonts(pdf):
        assert font["/Encoding"] == "/Identity-H", f"{name} lacks glyphs it is used for"
    assert HAN in text_of(pdf)
    if shutil.which("pdftotext"):
        path = tmp_path / "b.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        assert f"Trump and {HAN} spoke" in out.stdout.decode("utf-8")


# --------------------------------------------------------------------------- standards


def xmp(pdf: bytes) -> str:
    return reader(pdf).trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def test_plain_pdf_claims_no_standard(pdf: bytes) -> None:
    root = reader(pdf).trailer["/Root"]
    assert "/Metadata" not in root and "/OutputIntents" not in root
    assert "/StructTreeRoot" not in root


def test_pdf_a_3b(briefing: Briefing) -> None:
    pdf = pdf_of(briefing, variant="pdf/a-3b")
    doc = reader(pdf)
    root = doc.trailer["/Root"]
    assert pdf.startswith(b"%PDF-1.7")
    metadata = xmp(pdf)
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    # the XMP says what the document information says (PDF/A requires it)
    assert f"{TITLE} — 2026-11-21</rdf:li>" in metadata
    assert "<rdf:li>CNBC, Reuters, Xinhua</rdf:li>" in metadata
    assert "<xmp:CreateDate>2026-11-21T00:00:00-05:00</xmp:CreateDate>" in metadata
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3  # the sRGB ICC profile
    assert len(doc.trailer["/ID"]) == 2
    assert not doc.is_encrypted
    for page in doc.pages:  # annotations (the links) must print
        for annot in page.get("/Annots", []):
            assert annot.get_object()["/F"] == 4


def test_pdf_ua_1(briefing: Briefing) -> None:
    pdf = pdf_of(briefing, variant="pdf/ua-1")
    root = reader(pdf).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert root["/Lang"] == "en"
    assert 'pdfuaid:part="1"' in xmp(pdf)
    assert TITLE in text_of(pdf)
    assert outline_titles(pdf)[0] == TITLE


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"page_size": "Letter"},
        {"variant": "pdf/a-3b"},
        {"variant": "pdf/ua-1"},
    ],
    ids=["default", "letter", "pdf-a-3b", "pdf-ua-1"],
)
def test_same_input_same_bytes(
    briefing: Briefing, settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = pdf_of(briefing, **settings)
    assert pdf_of(briefing, **settings) == first
    # nothing of the moment leaks in: another day's briefing differs only by its date
    later = pdf_of(replace(briefing, date=date(2026, 11, 22)), **settings)
    assert later != first


def test_variants_refuse_to_fetch(
    tmp_path: Path, briefing: Briefing, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    (tmp_path / "briefing.html.j2").write_text(
        f"""<!doctype html><html lang=en><head><title>x</title>
<link rel=stylesheet href="{secret.as_uri()}">
<style>@import url("http://127.0.0.1:9/imported.css");</style></head>
<body><h1>{{{{ briefing.title }}}}</h1><img src="{secret.as_uri()}"></body></html>
""",
        encoding="utf-8",
    )
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    for variant in ("pdf/a-3b", "pdf/ua-1"):
        caplog.clear()
        assert pdf_of(briefing, tmp_path, variant=variant).startswith(b"%PDF-")
        refused = [r.getMessage() for r in caplog.records if "does not fetch" in r.getMessage()]
        assert any(str(secret) in m for m in refused), variant
        assert any("127.0.0.1:9" in m for m in refused), variant


# --------------------------------------------------------------------------- config and build


def test_output_pdf_config(tmp_path: Path) -> None:
    from digest import config
    from digest.errors import ConfigError

    assert config.PdfConfig() == config.PdfConfig(page_size="A4", variant="none")
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    good = (
        "briefing: {title: T}\nsources: [{kind: file, path: a.txt}]\n"
        "sections: [{id: a, title: A, keywords: [x]}]\n"
        "output: {pdf: {page_size: Letter, variant: pdf/ua-1}}\n"
    )
    (tmp_path / "c.yaml").write_text(good, encoding="utf-8")
    loaded = config.load(tmp_path / "c.yaml").config.output.pdf
    assert (loaded.page_size, loaded.variant) == ("Letter", "pdf/ua-1")
    (tmp_path / "c.yaml").write_text(good.replace("Letter", "A3"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"output\.pdf\.page_size"):
        config.load(tmp_path / "c.yaml")


def test_build_writes_the_configured_pdf(tmp_path: Path) -> None:
    from digest.cli import main

    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "output:\n", "output:\n  pdf:\n    page_size: Letter\n    variant: pdf/a-3b\n"
    )
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    args = ["build", "-c", str(tmp_path / "config.yaml"), "-o", str(out), "-f", "pdf"]
    result = CliRunner().invoke(main, [*args, "--date", "2025-06-06"])
    assert result.exit_code == 0, result.output
    pdf = (out / "briefing-2025-06-06.pdf").read_bytes()
    doc = reader(pdf)
    assert (float(doc.pages[0].mediabox.width), float(doc.pages[0].mediabox.height)) == (612, 792)
    assert 'pdfaid:part="3"' in xmp(pdf)
    meta = doc.metadata
    assert meta is not None and meta.creation_date is not None
    assert meta.creation_date == datetime.fromisoformat("2025-06-06T00:00:00-04:00")

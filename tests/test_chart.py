"""The changes chart: drawn from the data, inert whatever the sources say, and printable.

Labels and quantities come from source text, which is untrusted; the SVG goes into
the HTML (and so the PDF) as markup, so it must parse, hold only drawing elements
and reference nothing outside itself.
"""

from __future__ import annotations

import io
import logging
import math
import xml.etree.ElementTree as etree

import pypdf
import pytest
from markupsafe import Markup

from digest.chart import NARROW_WIDTH, PAD, RADIUS, _text_width, changes_svg
from digest.models import Citation, Figure, Quantity
from digest.render import html_to_pdf

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert(1)</script><image href="file:///etc/passwd"/>'

# Everything the chart may draw with; anything else (script, image, foreignObject,
# style, a, use, animate…) is a failure, as is any attribute not listed here.
ELEMENTS = {"svg", "title", "desc", "g", "text", "tspan", "line", "circle", "path"}
ATTRIBUTES = {
    "xmlns",
    "class",
    "version",
    "viewBox",
    "width",
    "preserveAspectRatio",
    "role",
    "aria-labelledby",
    "id",
    "font-family",
    "font-size",
    "font-weight",
    "fill",
    "stroke",
    "stroke-width",
    "text-anchor",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "d",
}


def _cites(*numbers: int) -> tuple[Citation, ...]:
    return tuple(Citation(f"s{n}", n, f"d{n}", 0, "text") for n in numbers)


def pct(value: float) -> Quantity:
    return Quantity(value, "percent", f"{value:g} percent")


TARIFFS = Figure("U.S. tariffs on Chinese goods", pct(30), _cites(1, 2), before=pct(145))
DUTIES = Figure("duties on U.S. products", pct(10), _cites(1), before=pct(125))
CALL = Figure("phone conversation", Quantity(90, "minute", "90-minute"), _cites(1, 2))
GOODS = Figure(
    "annual goods exchanged",
    Quantity(600e9, "USD", "nearly $600 billion"),
    _cites(1),
    before=Quantity(690e9, "USD", "$690 billion"),
)


def chart(figures: list[Figure], **kwargs: int) -> str:
    svg = changes_svg(figures, **kwargs)
    assert svg is not None
    assert isinstance(svg, Markup)
    return str(svg)


def parse(svg: str) -> etree.Element:
    root = etree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def local(tag: str) -> str:
    return tag.removeprefix(SVG)


def rows(root: etree.Element) -> list[etree.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]


def texts(element: etree.Element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


def assert_inert(svg: str) -> None:
    root = parse(svg)
    for element in root.iter():
        assert local(element.tag) in ELEMENTS, element.tag
        for name in element.attrib:
            assert name in ATTRIBUTES, (element.tag, name)
            assert not name.lower().startswith("on")
            assert "href" not in name.lower()
            value = element.attrib[name].lower()
            assert "url(" not in value and "javascript:" not in value and ":/" not in value
    # Source text may say "href" or "url(", but only as escaped text, never as markup.
    lowered = svg.lower()
    for needle in ("<script", "<image", "<foreignobject", "<style", "<iframe", "<a ", "<use"):
        assert needle not in lowered, needle


# --------------------------------------------------------------------------- when


def test_no_chart_without_changes() -> None:
    assert changes_svg([]) is None
    assert changes_svg([CALL, Figure("envoys", Quantity(3, "count", "three"), _cites(1))]) is None


def test_no_chart_when_before_and_after_differ_in_unit() -> None:
    mixed = Figure("rate", pct(30), _cites(1), before=Quantity(145, "percentage_points", "145"))
    assert changes_svg([mixed]) is None


def test_no_chart_for_values_that_are_not_numbers() -> None:
    assert changes_svg([Figure("x", pct(math.nan), _cites(1), before=pct(3))]) is None
    assert changes_svg([Figure("x", pct(3), _cites(1), before=pct(math.inf))]) is None


def test_a_narrow_width_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        changes_svg([TARIFFS], width=100)


# --------------------------------------------------------------------------- what


def test_one_row_per_change_in_the_order_given() -> None:
    root = parse(chart([CALL, DUTIES, TARIFFS]))
    titles = [r.findtext(f"{SVG}title") for r in rows(root)]
    assert titles == [
        "Duties on U.S. products [1]: 125% → 10%",  # a label starts with a capital
        "U.S. tariffs on Chinese goods [1, 2]: 145% → 30%",
    ]


def test_percent_rows_share_a_scale() -> None:
    other = Figure("tariffs on steel", pct(30), _cites(3), before=pct(25))
    root = parse(chart([TARIFFS, DUTIES, other]))
    after = [
        next(c for c in r.iter(f"{SVG}circle") if c.get("class") == "after") for r in rows(root)
    ]
    before = [
        next(c for c in r.iter(f"{SVG}circle") if c.get("class") == "before") for r in rows(root)
    ]
    x = [float(c.get("cx", "nan")) for c in after]
    assert x[0] == x[2]  # 30% in the first row and the third lands on the same x
    assert x[1] < x[0]  # 10% left of 30%
    assert float(before[0].get("cx", "nan")) > float(before[1].get("cx", "nan"))  # 145 > 125
    axis = " ".join(texts(root))
    assert "0%" in axis and "150%" in axis


def test_a_decrease_points_left_and_an_increase_right() -> None:
    up = Figure("tariffs on steel", pct(50), _cites(3), before=pct(25))
    root = parse(chart([TARIFFS, up]))
    for row, falls in zip(rows(root), (True, False), strict=True):
        circles = {c.get("class"): float(c.get("cx", "nan")) for c in row.iter(f"{SVG}circle")}
        assert (circles["after"] < circles["before"]) is falls
        tip = next(p for p in row.iter(f"{SVG}path")).get("d", "")
        tip_x = float(tip[1:].split()[0])  # "M<x> <y>L…": the arrowhead's point
        assert abs(tip_x - circles["after"]) < abs(tip_x - circles["before"])


def test_values_labels_and_sources_are_written_as_text() -> None:
    root = parse(chart([TARIFFS, DUTIES]))
    written = texts(root)
    for value in ("145%", "30%", "125%", "10%"):
        assert value in written
    assert "U.S. tariffs on Chinese goods [1, 2]" in written
    assert "Duties on U.S. products [1]" in written


def test_other_units_get_a_scale_of_their_own() -> None:
    root = parse(chart([TARIFFS, GOODS]))
    written = texts(root)
    assert "$690bn" in written and "$600bn" in written
    assert "$0" in written and "$800bn" in written  # the row's own axis
    goods = rows(root)[1]
    after = next(c for c in goods.iter(f"{SVG}circle") if c.get("class") == "after")
    tariff = rows(root)[0]
    before = next(c for c in tariff.iter(f"{SVG}circle") if c.get("class") == "before")
    # $600bn of $800bn sits about as far along its axis as 145% does on 0–150%
    assert float(after.get("cx", "nan")) < float(before.get("cx", "nan"))


def test_accessible_summary() -> None:
    root = parse(chart([TARIFFS, DUTIES]))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert desc.text == (
        "U.S. tariffs on Chinese goods: 145% → 30%; Duties on U.S. products: 125% → 10%."
    )


def test_scales_with_the_page() -> None:
    root = parse(chart([TARIFFS]))
    assert root.get("viewBox", "").startswith("0 0 640 ")
    assert root.get("width") == "100%"
    assert root.get("height") is None and root.get("style") is None
    assert root.get("font-family") == "DejaVu Sans, Helvetica, Arial, sans-serif"
    assert parse(chart([TARIFFS], width=400)).get("viewBox", "").startswith("0 0 400 ")


def test_a_long_label_is_cut_and_kept_whole_in_the_tooltip() -> None:
    label = "average effective tariff rate on all imports into the United States " * 3
    root = parse(chart([Figure(label, pct(17.8), _cites(3), before=pct(2.4))]))
    (row,) = rows(root)
    lines = [t for t in row.iter(f"{SVG}text") if t.get("class") == "label"]
    assert len(lines) == 2
    assert "".join(lines[-1].itertext()).endswith("… [3]")
    assert row.findtext(f"{SVG}title") == f"A{label.strip()[1:]} [3]: 2.4% → 17.8%"


def test_many_sources_are_shortened_after_the_label() -> None:
    root = parse(chart([Figure("rate", pct(5), _cites(*range(1, 10)), before=pct(4))]))
    (row,) = rows(root)
    assert "Rate [1, 2, 3, 4, …]" in texts(row)
    assert row.findtext(f"{SVG}title", "").startswith("Rate [1, 2, 3, 4, 5, 6, 7, 8, 9]:")


def extents(root: etree.Element) -> list[tuple[str, float, float]]:
    """Each text's (text, left, right) as the chart estimates them, by its anchor."""
    parents = {child: parent for parent in root.iter() for child in parent}

    def size(element: etree.Element) -> float:
        while element.get("font-size") is None:
            element = parents[element]
        return float(element.get("font-size", "nan"))

    found = []
    for text in root.iter(f"{SVG}text"):
        x, words = float(text.get("x", "nan")), "".join(text.itertext())
        width = sum(
            _text_width(part.text or "", size(part), part.get("font-weight") == "bold")
            for part in (text, *text)
        )
        anchor = text.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        found.append((words, left, left + width))
    return found


def test_stacked_for_a_phone_each_label_above_its_row() -> None:
    long = Figure(
        "average effective tariff rate on all imports " * 3, pct(18), _cites(3), before=pct(2)
    )
    root = parse(chart([TARIFFS, DUTIES, GOODS, long], width=NARROW_WIDTH, stacked=True))
    assert root.get("class") == "chart chart-changes chart-stacked"
    assert root.get("viewBox", "").startswith(f"0 0 {NARROW_WIDTH} ")
    for row in rows(root):
        labels = [t for t in row.iter(f"{SVG}text") if t.get("class") == "label"]
        markers = [float(c.get("cy", "nan")) for c in row.iter(f"{SVG}circle")]
        assert labels and all(float(t.get("x", "nan")) == PAD for t in labels)
        assert all(float(t.get("y", "nan")) < min(markers) - RADIUS for t in labels)  # above
        track = next(iter(row.iter(f"{SVG}line")))  # the plot is as wide as the chart allows
        assert float(track.get("x2", "nan")) - float(track.get("x1", "nan")) > NARROW_WIDTH / 2
    # nothing runs off the sides, whatever the label's length
    for words, left, right in extents(root):
        assert left >= 0 and right <= NARROW_WIDTH, (words, left, right)
    # the wide chart says the same
    wide = parse(chart([TARIFFS, DUTIES, GOODS, long]))
    assert root.findtext(f"{SVG}desc") == wide.findtext(f"{SVG}desc")
    assert root.find(f"{SVG}title").get("id") != wide.find(f"{SVG}title").get("id")  # type: ignore[union-attr]


def test_deterministic() -> None:
    figures = [TARIFFS, GOODS, DUTIES]
    first = chart(figures)
    assert chart(list(figures)) == first
    assert chart([TARIFFS, DUTIES]) != first


# --------------------------------------------------------------------------- safety


def test_sample_chart_holds_only_drawing() -> None:
    assert_inert(chart([TARIFFS, DUTIES, GOODS]))


@pytest.mark.parametrize(
    "label",
    [
        HOSTILE,
        '"><svg onload="alert(1)"><foreignObject><iframe src="http://127.0.0.1:9/"/>',
        "<style>@import url(http://127.0.0.1:9/x.css);</style>&amp;&#0;\x00\x0b\ud800",
        Markup("<script>alert(1)</script>"),  # even text marked safe is escaped
    ],
)
def test_hostile_label_stays_text(label: str) -> None:
    hostile_value = Quantity(30, "percent", "<script>alert(2)</script>")
    figure = Figure(label, hostile_value, _cites(1), before=pct(145))
    svg = chart([figure])
    assert_inert(svg)
    root = parse(svg)
    for tag in ("script", "image", "foreignObject", "style", "iframe", "a", "use"):
        assert not list(root.iter(f"{SVG}{tag}"))
        assert not list(root.iter(tag))
    (row,) = rows(root)
    tooltip = row.findtext(f"{SVG}title", "")
    clean = " ".join(str(label).replace("\x00", "").replace("\ud800", "").split())
    assert tooltip.startswith(clean.replace("\x0b", ""))  # the label, as text


def test_hostile_unit_is_text() -> None:
    odd = Quantity(3, '<image href="x"/>', "three")
    svg = chart([Figure("envoys", odd, _cites(1), before=Quantity(2, odd.unit, "two"))])
    assert_inert(svg)
    assert '3 <image href="x"/>' in texts(parse(svg))


# --------------------------------------------------------------------------- printing


def test_prints_to_pdf_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    figures = [TARIFFS, DUTIES, GOODS]
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
        f"<body><figure>{chart(figures)}<figcaption>Changes</figcaption></figure></body></html>"
    )
    pdf = html_to_pdf(html)
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == []
    assert not [r for r in caplog.records if "does not fetch" in r.getMessage()]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # pypdf may read DejaVu's ToUnicode map with NULs, and drops the spaces between
    # the glyphs of SVG text: compare without either.
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    squeezed = "".join(text.split())
    for expected in (
        "U.S. tariffs on Chinese goods",
        "Duties on U.S. products",
        "Annual goods exchanged",
        "145%",
        "30%",
        "$600bn",
    ):
        assert "".join(expected.split()) in squeezed, expected

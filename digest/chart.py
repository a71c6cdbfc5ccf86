"""A chart of the key figures that changed, as inline SVG generated from the data.

:func:`changes_svg` draws every figure stated as a change (``145% → 30%``) as one
row of a dumbbell chart: the figure's label and source numbers on the left, an open
marker at the value before, a filled marker at the value after, an arrow from one
to the other and both values as text beside their markers. Percentages share one
scale, so rows can be compared by eye; any other unit gets a scale of its own in
each row (a tariff and a sum of money have no common axis). Rows are grouped by
unit in the order the units first appear; within a group they keep the order given
(figures arrive ranked). A briefing without such figures gets no chart (``None``).

The SVG is written by hand, not by a plotting library: it is small, needs no new
dependency and is the same bytes for the same figures. It is inert, because labels
and quantities come from source text, which is untrusted: every text is
XML-escaped, and the markup has no scripts, event handlers, styles, links, images
or ``url()`` references, so neither a browser nor the PDF renderer fetches anything.
It scales with the page (a ``viewBox`` and no fixed width) and prints in greyscale:
before and after differ by shape (open and filled) and the arrow shows the direction.
For a phone's narrow column, ``stacked=True`` draws each label on a line of its own above
its row, so the plot keeps the whole width and the text its size (the HTML shows that one
below 34em; a fixed 640-wide chart there sat in a sideways-scrolling box, its data
off-screen). Values and source numbers are written in the house style of
:mod:`digest.style` (``145%``, ``£2.50``, ``[1, 2]``), as the key-figures table writes them.

Text widths are estimated from DejaVu Sans, the widest of the fonts the chart names,
so that labels can be wrapped or cut (with an ellipsis; the full label is the row's
tooltip) without a font at hand, and the estimate is the same on every machine.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from . import style
from .models import Figure, Quantity

__all__ = ["changes_svg"]

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
MIN_WIDTH = 320
# The stacked layout's width: about a phone's column in CSS pixels (390 less margins), so
# that its text shows at about the size it is set in.
NARROW_WIDTH = 360

# Colours that stay apart in greyscale: the after marker is near-black, the before
# marker is open; the arrow between them is mid grey and never the only cue.
INK = "#1f1f1f"
MUTED = "#5f5f5f"
AFTER = "#1f4e79"
BEFORE_STROKE = "#6b6b6b"
ARROW = "#8c8c8c"
GRID = "#e3e3e3"
TRACK = "#efefef"
AXIS = "#b5b5b5"

# Sizes in viewBox units (about CSS pixels at the default width of 640).
LABEL_SIZE = 13.0
CITE_SIZE = 10.5
VALUE_SIZE = 12.0
AXIS_SIZE = 10.5
LINE_HEIGHT = 15.0
PAD = 6.0
GAP = 14.0  # between the label column and the plot
RADIUS = 5.5
SHARED_ROW = 40.0  # a row of a group that shares a scale
OWN_ROW = 54.0  # a row with its own scale, whose axis labels sit under it
LEGEND = 30.0
AXIS_BAND = 22.0
GROUP_GAP = 10.0

# Units whose rows share one scale, drawn from zero: values in them compare directly.
SHARED_UNITS = ("percent", "percentage_points")
# Units for which zero is no baseline: a change from 2019 to 2025 is not a bar from 0.
NOT_ZERO_BASED = ("year",)

MAX_SOURCES = 5  # source numbers shown after a label; the row's tooltip lists them all

# Advance widths of DejaVu Sans for " " to "~", in thousandths of an em.
_ASCII_WIDTHS = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_OTHER_WIDTHS = {"…": 1000, "→": 838, "’": 318, "‘": 318, "“": 518, "”": 518, "–": 500}
_OTHER_WIDTHS |= {"—": 1000, "\u00a0": 318}
_BOLD = 1.1  # DejaVu Sans Bold is about a tenth wider

# Characters XML 1.0 forbids (a document holding one does not parse), and lone surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- public API


def changes_svg(
    figures: Sequence[Figure], *, width: int = 640, stacked: bool = False
) -> Markup | None:
    """An inline ``<svg>`` charting the figures that changed, or None when none did.

    A figure is charted when it has a ``before`` in the same unit as its value and both
    are finite numbers. ``width`` is the viewBox width: it sets the proportions and how
    much of a label fits, not the size on the page (the SVG fills its container).
    ``stacked`` puts each label on a line of its own above its row, for a narrow column
    (:data:`NARROW_WIDTH`), where a label column would squeeze the plot to nothing.
    """
    if width < MIN_WIDTH:
        raise ValueError(f"chart width must be at least {MIN_WIDTH}, not {width}")
    rows = [_row(f) for f in figures if _is_change(f)]
    if not rows:
        return None
    return Markup(_Chart(rows, float(width), stacked).svg())


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Row:
    label: str
    sources: str  # "[1, 2]", or "" when the figure cites nothing; "[1, 2, 3, 4, …]" for many
    all_sources: str
    unit: str
    before: float
    after: float
    before_shown: str
    after_shown: str

    @property
    def summary(self) -> str:
        return f"{self.label}: {self.before_shown} → {self.after_shown}"


def _is_change(figure: Figure) -> bool:
    before, after = figure.before, figure.value
    return (
        before is not None
        and before.unit == after.unit
        and math.isfinite(before.value)
        and math.isfinite(after.value)
    )


def _row(figure: Figure) -> _Row:
    assert figure.before is not None  # _is_change
    numbers = sorted({c.number for c in figure.citations})
    return _Row(
        label=style.label(_clean(figure.label)) or "(unlabelled)",
        sources=style.marks(numbers, MAX_SOURCES),
        all_sources=style.marks(numbers),
        unit=figure.value.unit,
        before=figure.before.value,
        after=figure.value.value,
        before_shown=_clean(_show(figure.before)),
        after_shown=_clean(_show(figure.value)),
    )


def _show(quantity: Quantity) -> str:
    """A value as the chart prints it: ``145%``, ``115 points``, ``$300bn``, ``£2.50``,
    ``90 min``, in the house style (:mod:`digest.style`).

    Other units than percentages are shortened from the normalized value (the source's
    wording, "approximately $300 billion", does not fit beside a marker, and the table
    beside the chart keeps it).
    """
    return style.amount(quantity.value, quantity.unit)


def _clean(text: str) -> str:
    """Source text made fit for one line of XML: no forbidden characters or line breaks."""
    return " ".join(_NOT_XML.sub("", text).split())


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class _Scale:
    """Values from ``lo`` to ``hi`` onto x from ``x0`` to ``x1``, with round ticks."""

    lo: float
    hi: float
    ticks: tuple[float, ...]
    x0: float
    x1: float

    def x(self, value: float) -> float:
        return self.x0 + (value - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)


def _ticks(lo: float, hi: float, zero_based: bool) -> tuple[float, ...]:
    """Round tick values covering ``lo``..``hi`` (and zero, for units measured from it)."""
    if zero_based:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo <= 0:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = (lo, hi + pad) if zero_based and lo == 0 else (lo - pad, hi + pad)
    raw = (hi - lo) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return tuple(_tidy(i * step) for i in range(first, last + 1))


def _spaced(scale: _Scale, unit: str) -> tuple[float, ...]:
    """The ticks to label: every one, or every second, third… (keeping zero) so that
    labels centred on their ticks do not overlap."""
    ticks = scale.ticks
    anchor = ticks.index(0.0) if 0.0 in ticks else 0
    for step in range(1, len(ticks) + 1):
        chosen = ticks[anchor % step :: step]
        halves = [_text_width(style.amount(t, unit), AXIS_SIZE) / 2 for t in chosen]
        spans = [(scale.x(t) - h, scale.x(t) + h) for t, h in zip(chosen, halves, strict=True)]
        if all(b[0] - a[1] >= 6 for a, b in itertools.pairwise(spans)):
            return chosen
    return ticks[anchor : anchor + 1]


def _tidy(value: float) -> float:
    """0.30000000000000004 → 0.3, so tick labels print as written."""
    return float(f"{value:.12g}") + 0.0  # + 0.0 turns -0.0 into 0.0


# --------------------------------------------------------------------------- text


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """The width ``text`` takes at font size ``size``, as DejaVu Sans sets it (or wider)."""
    total = 0
    for char in text:
        code = ord(char)
        if 32 <= code < 127:
            total += _ASCII_WIDTHS[code - 32]
        elif char in _OTHER_WIDTHS:
            total += _OTHER_WIDTHS[char]
        elif unicodedata.combining(char):
            continue
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += 1000
        else:
            total += 760
    return total / 1000 * size * (_BOLD if bold else 1.0)


def _ellipsize(text: str, size: float, room: float) -> str:
    """``text`` cut at the end so that it and an ellipsis fit in ``room``."""
    if _text_width(text, size) <= room:
        return text
    while text and _text_width(text + "…", size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, size: float, room: float, last_room: float, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``room``, the last no wider than ``last_room``.

    Breaks between words; a word too long for a line is broken inside; what does not fit
    ends in an ellipsis.
    """
    if _text_width(text, size) <= last_room:
        return [text]
    out: list[str] = []
    words = text.split(" ")
    while words:
        if len(out) == lines - 1:
            out.append(_ellipsize(" ".join(words), size, last_room))
            break
        line = words.pop(0)
        if _text_width(line, size) > room:  # one long word: break it
            cut = len(_ellipsize(line, size, room)) - 1
            line, rest = line[:cut], line[cut:]
            words.insert(0, rest)
        while words and _text_width(f"{line} {words[0]}", size) <= room:
            line = f"{line} {words.pop(0)}"
        out.append(line)
        if words and _text_width(" ".join(words), size) <= last_room:
            out.append(" ".join(words))
            break
    return out


def _n(value: float) -> str:
    """A coordinate, rounded so the output is short and the same on every platform."""
    return f"{round(value, 1) + 0.0:g}"


def _e(text: str) -> str:
    return str(escape(text))


# --------------------------------------------------------------------------- drawing


class _Chart:
    """Lays out and writes the SVG; holds nothing but what one call draws.

    Wide (the default), each row's label sits in a column left of its plot. ``stacked``
    (for a phone's narrow column), each label takes a line of its own above a plot as wide
    as the chart, so neither is squeezed.
    """

    def __init__(self, rows: Sequence[_Row], width: float, stacked: bool = False) -> None:
        self.rows = rows
        self.width = width
        self.stacked = stacked
        # Every scale spans the same x, inset so values written beside the end markers
        # fit: the axes line up, and no value runs into a label or off the edge. Labels
        # get a third of the width, less when the plot would be too narrow (down to a fifth).
        edge = RADIUS + 5
        left = max(self._value_width(r, low=True) for r in rows) + edge
        right = max(self._value_width(r, low=False) for r in rows) + edge
        if stacked:
            self.label_room = round(width - 2 * PAD)
            self.plot_x0 = PAD
        else:
            spare = width - 2 * PAD - GAP - left - right - width * 0.3
            self.label_room = round(max(width * 0.2, min(width * 0.32, spare)))
            self.plot_x0 = PAD + self.label_room + GAP
        self.plot_x1 = width - PAD
        self.scale_x0 = self.plot_x0 + left
        self.scale_x1 = max(self.plot_x1 - right, self.scale_x0 + width * 0.2)
        self.parts: list[str] = []
        summary = "; ".join(r.summary for r in rows) + "."
        self.title = "Key figures that changed, before → after"
        self.desc = summary
        key = hashlib.sha256(f"{width}\n{stacked}\n{summary}".encode()).hexdigest()[:10]
        self.id = f"changes-{key}"

    # ---- layout

    def _groups(self) -> list[tuple[str, list[_Row]]]:
        groups: dict[str, list[_Row]] = {}
        for row in self.rows:
            groups.setdefault(row.unit, []).append(row)
        return list(groups.items())

    def _scale(self, rows: Sequence[_Row]) -> _Scale:
        """One scale for ``rows``: round ticks around their values."""
        unit = rows[0].unit
        values = [v for r in rows for v in (r.before, r.after)]
        ticks = _ticks(min(values), max(values), unit not in NOT_ZERO_BASED)
        return _Scale(ticks[0], ticks[-1], ticks, self.scale_x0, self.scale_x1)

    def _value_width(self, row: _Row, low: bool) -> float:
        """Width of the value written left of the lower marker (``low``) or right of the higher."""
        after_is_low = row.after < row.before
        text, bold = (row.after_shown, True) if after_is_low == low else (row.before_shown, False)
        return _text_width(text, VALUE_SIZE, bold)

    def _lines(self, row: _Row) -> list[str]:
        """The label in up to two lines, room left on the last for the source numbers."""
        cite_room = _text_width(" " + row.sources, CITE_SIZE) if row.sources else 0.0
        room = self.label_room
        return _wrap(row.label, LABEL_SIZE, room, room - cite_room, 2)

    def _band(self, row: _Row) -> float:
        """Height of the label's own lines above the row's plot (stacked only)."""
        return len(self._lines(row)) * LINE_HEIGHT + 4 if self.stacked else 0.0

    # ---- output

    def svg(self) -> str:
        y = self._legend()
        for unit, rows in self._groups():
            if unit in SHARED_UNITS:
                y = self._shared_group(rows, y)
            else:
                for row in rows:
                    y = self._own_scale_row(row, y)
            y += GROUP_GAP
        height = y - GROUP_GAP + PAD
        kind = "chart chart-changes" + (" chart-stacked" if self.stacked else "")
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{kind}" version="1.1"'
            f' viewBox="0 0 {_n(self.width)} {_n(height)}" width="100%"'
            f' preserveAspectRatio="xMinYMin meet" role="img"'
            f' aria-labelledby="{self.id}-title {self.id}-desc"'
            f' font-family="{FONT}" font-size="{_n(LABEL_SIZE)}" fill="{INK}">'
            f'<title id="{self.id}-title">{_e(self.title)}</title>'
            f'<desc id="{self.id}-desc">{_e(self.desc)}</desc>'
        )
        return head + "".join(self.parts) + "</svg>"

    def _legend(self) -> float:
        """Open marker "before", arrow, filled marker "after", above the plot."""
        y = 14.0
        x = self.plot_x0
        p = self.parts
        p.append('<g class="legend" font-size="' + _n(AXIS_SIZE) + f'" fill="{MUTED}">')
        p.append(self._marker(x + RADIUS, y, before=True))
        x += 2 * RADIUS + 5
        p.append(f'<text x="{_n(x)}" y="{_n(y + 3.8)}">before</text>')
        x += _text_width("before", AXIS_SIZE) + 10
        p.append(self._arrow(x, x + 22, y))
        x += 22 + 10
        p.append(self._marker(x + RADIUS, y, before=False))
        x += 2 * RADIUS + 5
        p.append(f'<text x="{_n(x)}" y="{_n(y + 3.8)}">after</text>')
        p.append("</g>")
        return LEGEND

    def _shared_group(self, rows: Sequence[_Row], top: float) -> float:
        scale = self._scale(rows)
        mids, y = [], top
        for row in rows:
            mids.append(y + self._band(row) + SHARED_ROW / 2)
            y += self._band(row) + SHARED_ROW
        bottom = y
        p = self.parts
        p.append(f'<g class="axis" font-size="{_n(AXIS_SIZE)}" fill="{MUTED}">')
        # Wide, the grid runs the group's height; stacked, it stops short of the labels.
        spans = [(mid - 12, mid + 12) for mid in mids] if self.stacked else [(top + 4, bottom)]
        if self.stacked:
            spans[-1] = (spans[-1][0], bottom)
        for tick in scale.ticks:
            x = _n(scale.x(tick))
            stroke = AXIS if tick == 0 else GRID
            for y1, y2 in spans:
                p.append(
                    f'<line x1="{x}" y1="{_n(y1)}" x2="{x}" y2="{_n(y2)}"'
                    f' stroke="{stroke}" stroke-width="1"/>'
                )
        for tick in _spaced(scale, rows[0].unit):
            p.append(
                f'<text x="{_n(scale.x(tick))}" y="{_n(bottom + 14)}" text-anchor="middle">'
                f"{_e(style.amount(tick, rows[0].unit))}</text>"
            )
        p.append(
            f'<line x1="{_n(scale.x0)}" y1="{_n(bottom)}" x2="{_n(scale.x1)}" y2="{_n(bottom)}"'
            f' stroke="{AXIS}" stroke-width="1"/>'
        )
        p.append("</g>")
        for row, mid in zip(rows, mids, strict=True):
            self._row(row, scale, mid)
        return bottom + AXIS_BAND

    def _own_scale_row(self, row: _Row, top: float) -> float:
        scale = self._scale([row])
        band = self._band(row)
        mid = top + band + SHARED_ROW / 2
        axis_y = mid + 11
        p = self.parts
        p.append(f'<g class="axis" font-size="{_n(AXIS_SIZE)}" fill="{MUTED}">')
        p.append(
            f'<line x1="{_n(scale.x0)}" y1="{_n(axis_y)}" x2="{_n(scale.x1)}" y2="{_n(axis_y)}"'
            f' stroke="{AXIS}" stroke-width="1"/>'
        )
        for tick in scale.ticks:
            x = _n(scale.x(tick))
            p.append(
                f'<line x1="{x}" y1="{_n(axis_y)}" x2="{x}" y2="{_n(axis_y + 3)}"'
                f' stroke="{AXIS}" stroke-width="1"/>'
            )
        ends = [(scale.ticks[0], "start"), (scale.ticks[-1], "end")]
        room = scale.x1 - scale.x0 - 6
        if sum(_text_width(style.amount(t, row.unit), AXIS_SIZE) for t, _ in ends) > room:
            ends = ends[1:]  # too narrow for both: the top of the scale says more
        for tick, anchor in ends:
            p.append(
                f'<text x="{_n(scale.x(tick))}" y="{_n(axis_y + 13)}" text-anchor="{anchor}">'
                f"{_e(style.amount(tick, row.unit))}</text>"
            )
        p.append("</g>")
        self._row(row, scale, mid)
        return top + band + OWN_ROW

    def _row(self, row: _Row, scale: _Scale, mid: float) -> None:
        p = self.parts
        tooltip = f"{row.label} {row.all_sources}".rstrip() + f": {row.before_shown} → "
        p.append(f'<g class="row"><title>{_e(tooltip + row.after_shown)}</title>')
        self._label(row, mid)
        p.append(
            f'<line x1="{_n(scale.x0)}" y1="{_n(mid)}" x2="{_n(scale.x1)}" y2="{_n(mid)}"'
            f' stroke="{TRACK}" stroke-width="1"/>'
        )
        xb, xa = scale.x(row.before), scale.x(row.after)
        if abs(xa - xb) > 2 * RADIUS + 8:
            direction = 1 if xa > xb else -1
            p.append(self._arrow(xb + direction * (RADIUS + 2), xa - direction * (RADIUS + 1), mid))
        p.append(self._marker(xb, mid, before=True))
        p.append(self._marker(xa, mid, before=False))
        baseline = _n(mid + VALUE_SIZE * 0.36)
        after_low = row.after < row.before
        for x, text, low, bold in (
            (xb, row.before_shown, not after_low, False),
            (xa, row.after_shown, after_low, True),
        ):
            tx = x - RADIUS - 5 if low else x + RADIUS + 5
            kind = ' class="after" font-weight="bold"' if bold else ' class="before"'
            p.append(
                f'<text{kind} x="{_n(tx)}" y="{baseline}" text-anchor="{"end" if low else "start"}"'
                f' font-size="{_n(VALUE_SIZE)}">{_e(text)}</text>'
            )
        p.append("</g>")

    def _label(self, row: _Row, mid: float) -> None:
        """The label in up to two lines, with its source numbers after it: at the left,
        centred on the row (wide), or on lines of its own above the row (stacked)."""
        lines = self._lines(row)
        if self.stacked:
            first = mid - SHARED_ROW / 2 - self._band(row) + LABEL_SIZE
        else:
            first = mid + LABEL_SIZE * 0.36 - (len(lines) - 1) * LINE_HEIGHT / 2
        for i, line in enumerate(lines):
            cite = ""
            if row.sources and i == len(lines) - 1:
                cite = (
                    f'<tspan font-size="{_n(CITE_SIZE)}" fill="{MUTED}"> {_e(row.sources)}</tspan>'
                )
            self.parts.append(
                f'<text class="label" x="{_n(PAD)}" y="{_n(first + i * LINE_HEIGHT)}">'
                f"{_e(line)}{cite}</text>"
            )

    @staticmethod
    def _marker(x: float, y: float, before: bool) -> str:
        if before:
            return (
                f'<circle class="before" cx="{_n(x)}" cy="{_n(y)}" r="{_n(RADIUS - 0.75)}"'
                f' fill="#fff" stroke="{BEFORE_STROKE}" stroke-width="1.5"/>'
            )
        return (
            f'<circle class="after" cx="{_n(x)}" cy="{_n(y)}" r="{_n(RADIUS)}" fill="{AFTER}"'
            f' stroke="{AFTER}" stroke-width="1"/>'
        )

    @staticmethod
    def _arrow(start: float, tip: float, y: float) -> str:
        """A line from ``start`` with an arrowhead ending at ``tip`` (drawn, not a marker,
        which would need a ``url(#…)`` reference)."""
        direction = 1 if tip >= start else -1
        back = tip - direction * 7
        return (
            f'<line x1="{_n(start)}" y1="{_n(y)}" x2="{_n(back)}" y2="{_n(y)}"'
            f' stroke="{ARROW}" stroke-width="2"/>'
            f'<path d="M{_n(tip)} {_n(y)}L{_n(back)} {_n(y - 4)}L{_n(back)} {_n(y + 4)}Z"'
            f' fill="{ARROW}"/>'
        )

"""House style for what every format prints the same way: numbers, labels, citation marks.

The Markdown, HTML, PDF and email briefings, the changes chart and the key figures' notes
each used to format these on their own, and a reader saw "145 %" in one place and
"145%" in another, "£2.5" in the chart beside "£2.50" in the table, "duties on U.S.
products" in the chart beside "Duties on U.S. products" in the table. Everything here is
plain text; callers escape it for their format.

English number style: ``145%`` (no space), ``115 points``, ``£2.50`` (pence kept),
``$2,500``, ``$300bn`` (short scales where room is scarce), ``1.5 million``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

__all__ = ["amount", "label", "marks", "percent", "points", "quantity"]

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_UNIT_WORDS = {"minute": ("min", "min"), "day": ("day", "days"), "count": ("", "")}
_LARGE = ((1e12, "tn", "trillion"), (1e9, "bn", "billion"), (1e6, "m", "million"))
_CURRENCY_CODE = re.compile("[A-Z]{3}")


def percent(value: float) -> str:
    """``145%``: English style sets the sign close to the number."""
    return f"{value:g}%"


def points(value: float) -> str:
    """``115 points``: a difference of percentages."""
    return f"{value:g} points"


def quantity(value: float, unit: str, text: str) -> str:
    """A figure's value as the key-figures table and its notes show it: ``145%``,
    ``115 points``; any other unit as the source wrote it (``approximately $300 billion``:
    the hedge matters, and the table is where a reader checks the wording)."""
    if unit == "percent":
        return percent(value)
    if unit == "percentage_points":
        return points(value)
    return text


def amount(value: float, unit: str) -> str:
    """A normalized value in few characters, for a chart: ``145%``, ``£2.50``, ``$300bn``,
    ``$2,500``, ``1.5 million``, ``90 min``, ``2019``; an unknown unit follows the number."""
    if unit == "percent":
        return percent(value)
    if unit == "percentage_points":
        return points(value)
    if unit == "year":
        return f"{value:g}"
    magnitude, sign = abs(value), "-" if value < 0 else ""
    money = _CURRENCY_CODE.fullmatch(unit) is not None
    digits = _digits(magnitude, money)
    for size, short, word in _LARGE:
        if magnitude >= size * 0.9995:  # what rounds to 1,000 of the next size down is 1 of it
            digits = _significant(magnitude / size) + (short if money else f" {word}")
            break
    if unit in CURRENCY_SIGNS:
        return f"{sign}{CURRENCY_SIGNS[unit]}{digits}"
    if money:
        return f"{sign}{digits} {unit}"
    if unit in _UNIT_WORDS:
        one, many = _UNIT_WORDS[unit]
        word = one if magnitude == 1 else many
        return f"{sign}{digits} {word}".rstrip()
    return f"{sign}{digits} {unit}"


def _digits(magnitude: float, money: bool) -> str:
    """``2,500``; money that is not whole keeps two decimals (``2.50``: pence, cents)."""
    if magnitude == int(magnitude):
        return f"{int(magnitude):,}"
    if money:
        return f"{magnitude:,.2f}"
    return f"{magnitude:,g}"


def _significant(value: float, figures: int = 3) -> str:
    """``1.23`` for 1.2345: a short scale's number to three significant figures, never in
    exponent form (``:.3g`` writes 999.6 as ``1e+03``)."""
    if value == 0:
        return "0"
    decimals = max(0, figures - 1 - math.floor(math.log10(abs(value))))
    text = f"{round(value, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def label(text: str) -> str:
    """A row label as every format starts it: with a capital (``Duties on U.S. products``),
    unless its first word already mixes cases on purpose (``iPhone sales``, ``eBay``)."""
    first = text.split(" ", 1)[0]
    if not first[:1].isalpha() or not first[:1].islower() or first.lower() != first:
        return text
    return text[:1].upper() + text[1:]


def marks(numbers: Iterable[int], limit: int | None = None) -> str:
    """Citation marks as text: ``[1, 2]``; past ``limit`` numbers, ``[1, 2, 3, …]``."""
    shown = [str(n) for n in numbers]
    if not shown:
        return ""
    if limit is not None and len(shown) > limit:
        shown = [*shown[: limit - 1], "…"]
    return f"[{', '.join(shown)}]"

"""The house style every format shares: numbers, labels and citation marks."""

from __future__ import annotations

import pytest

from digest import style


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (145.0, "percent", "145%"),  # English style: no space before the sign
        (2.4, "percent", "2.4%"),
        (115.0, "percentage_points", "115 points"),
        (2.5, "GBP", "£2.50"),  # pence are kept, as the table's "£2.50" has them
        (2.0, "GBP", "£2"),
        (2500.0, "USD", "$2,500"),
        (1234.5, "EUR", "€1,234.50"),
        (300e9, "USD", "$300bn"),
        (1.25e12, "USD", "$1.25tn"),
        (999.6e9, "USD", "$1tn"),  # three figures: not "$1000bn", nor "$1e+03bn"
        (999.4e9, "USD", "$999bn"),
        (-5e6, "JPY", "-¥5m"),
        (12.5e6, "CNY", "12.5m CNY"),
        (1.5e6, "count", "1.5 million"),
        (2500.0, "count", "2,500"),
        (90.0, "minute", "90 min"),
        (1.0, "day", "1 day"),
        (2.5, "day", "2.5 days"),
        (2019.0, "year", "2019"),
        (3.0, "envoy", "3 envoy"),
    ],
)
def test_amount(value: float, unit: str, shown: str) -> None:
    assert style.amount(value, unit) == shown


def test_quantity_keeps_the_sources_wording_but_for_percentages() -> None:
    assert style.quantity(145.0, "percent", "145 percent") == "145%"
    assert style.quantity(115.0, "percentage_points", "115 percentage points") == "115 points"
    assert (
        style.quantity(300e9, "USD", "approximately $300 billion") == "approximately $300 billion"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("duties on U.S. products", "Duties on U.S. products"),
        ("U.S. tariffs", "U.S. tariffs"),
        ("iPhone sales", "iPhone sales"),  # a first word that mixes cases on purpose
        ("eBay revenue", "eBay revenue"),
        ("2025 budget", "2025 budget"),
        ("élan index", "Élan index"),
        ("", ""),
    ],
)
def test_label(text: str, shown: str) -> None:
    assert style.label(text) == shown


def test_marks() -> None:
    assert style.marks([1, 2]) == "[1, 2]"
    assert style.marks([3]) == "[3]"
    assert style.marks([]) == ""
    assert style.marks(range(1, 10), limit=5) == "[1, 2, 3, 4, …]"

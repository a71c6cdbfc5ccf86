"""tools/look.py: what a reader of the HTML would not see is reported.

The pictures need Chromium; without it (``apt-get install chromium``) those tests skip.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from digest import config, render
from digest.build import analyze

from .conftest import ROOT

PHONE = 390


def _look() -> ModuleType:
    spec = importlib.util.spec_from_file_location("look", ROOT / "tools" / "look.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("look", module)
    spec.loader.exec_module(module)
    return module


look = _look()


def chromium() -> str:
    try:
        return str(look._chromium())
    except look.LookError as exc:
        pytest.skip(str(exc))


def test_notes_name_the_box_that_clips_and_the_page_that_scrolls() -> None:
    box = {"what": '<figure class="chart">', "scrolls": True, "width": 358, "scrollWidth": 640}
    box |= {"height": 200, "scrollHeight": 200}
    shot = look.Shot(b"", 420, [box])
    assert look.notes(shot, PHONE) == [
        "the page is 420 px wide in a 390 px window, so a reader scrolls sideways "
        "(the picture shows the full width)",
        '<figure class="chart"> shows 358 px of content 640 px wide and scrolls to the rest '
        "(the picture shows only what the box shows)",
    ]
    assert look.notes(look.Shot(b"", PHONE, []), PHONE) == []


def shoot(html: str, tmp_path: Path) -> object:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    with look._Browser(chromium()) as browser:
        return browser.screenshot(page.as_uri(), PHONE, 2.0, True)


def test_a_chart_in_a_sideways_scrolling_box_is_found(tmp_path: Path) -> None:
    """What the sample briefing's phone page was: a 640 px chart in a scrolling frame, the
    page itself no wider than the phone, so only this check sees the data off-screen."""
    shot = shoot(
        '<!doctype html><html><head><meta name="viewport" content="width=device-width">'
        '</head><body><figure class="chart" style="overflow-x: auto; margin: 0">'
        '<svg width="640" height="40" style="display: block"></svg></figure>'
        '<p style="display: none; overflow: hidden; width: 10px">hidden, not clipped</p>'
        "</body></html>",
        tmp_path,
    )
    notes = look.notes(shot, PHONE)
    assert len(notes) == 1, notes
    assert notes[0].startswith('<figure class="chart"> shows ')
    assert "content 640 px wide and scrolls to the rest" in notes[0]


def test_the_sample_briefing_fits_a_phone(tmp_path: Path) -> None:
    briefing = analyze(config.load(ROOT / "config.yaml"), on=date(2025, 6, 6)).briefing
    html = render.render(briefing, ["html"])["html"].decode("utf-8")
    assert 'class="chart chart-changes chart-stacked"' in html
    shot = shoot(html, tmp_path)
    assert look.notes(shot, PHONE) == []  # no sideways scroll, nothing clipped

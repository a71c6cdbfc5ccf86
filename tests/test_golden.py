"""Golden files: the sample briefing's Markdown and HTML, byte for byte.

After an intended change of output, regenerate them and review the diff:

    .venv/bin/pytest tests/test_golden.py --update-golden && git diff tests/golden
"""

from __future__ import annotations

from datetime import date

import pytest

from digest import config, render
from digest.build import analyze

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
DATE = date(2025, 6, 6)


@pytest.fixture(scope="module")
def outputs() -> dict[str, bytes]:
    """One pipeline run for every check in this module."""
    briefing = analyze(config.load(ROOT / "config.yaml"), on=DATE).briefing
    return render.render(briefing, ["md", "html", "pdf"])


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_sample_matches_golden(fmt: str, outputs: dict[str, bytes], update_golden: bool) -> None:
    path = GOLDEN / f"sample-briefing.{fmt}"
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(outputs[fmt])
        pytest.skip(f"rewrote {path.relative_to(ROOT)}")
    assert path.exists(), f"{path} missing: run pytest tests/test_golden.py --update-golden"
    expected = path.read_bytes().decode("utf-8")
    assert outputs[fmt].decode("utf-8") == expected, "output changed; see the module docstring"


def test_sample_pdf_has_every_section_title(outputs: dict[str, bytes]) -> None:
    import io

    from pypdf import PdfReader

    pdf = outputs["pdf"]
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    for title in ("Call details", "Tariffs", "Rare earths", "Market reaction", "Risks", "Sources"):
        assert title in text
    assert "Trump–Xi call and US–China trade" in text

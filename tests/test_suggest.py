"""`digest suggest` and the learned terms in `digest explain`, through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main

# A day where "shipments" is never a keyword but always sits beside market words, and
# "soybeans" is a tariffs keyword whose sentences are about prices and farmers.
MARKET = [
    "Shipments of grain fell as prices slid and farmers worried on {d}.",
    "Exporters cut shipments on {d} while prices dropped.",
    "Shipments to Asia stalled on {d}, and farmers held crops as prices sank.",
    "Soybeans prices fell on {d} as farmers sold and exporters waited.",
    "Farmers said soybeans prices hit lows on {d}.",
]
TARIFF = [
    "The tariff on steel rose to 25 percent on {d}.",
    "New duties on aluminum were announced on {d}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

CONFIG = """\
briefing:
  title: Trade day
sources:
  - kind: file
    id: wire
    path: news
sections:
  - id: tariffs
    title: Tariffs
    keywords: {tariff: 4, duties: 4, soybeans: 3}
  - id: markets
    title: Market reaction
    keywords: {prices: 3, farmers: 3, exporters: 3}
state:
  path: state/state.sqlite
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    news = tmp_path / "news"
    news.mkdir()
    for i, day in enumerate(DAYS):
        lines = [t.format(d=day) for t in [*MARKET, *TARIFF]]
        (news / f"day{i}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_suggest_names_terms_to_add_and_keywords_that_mislead(config: Path) -> None:
    result = CliRunner().invoke(main, ["suggest", "-c", str(config), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sentences"] == len(DAYS) * (len(MARKET) + len(TARIFF))
    adds = {a["term"]: a for a in data["sections"]["markets"]["add"]}
    assert "Shipments" in adds
    assert adds["Shipments"]["sentences"] == 3 * len(DAYS)
    assert 1 <= adds["Shipments"]["weight"] <= 3
    misleading = {m["term"]: m for m in data["sections"]["tariffs"]["mislead"]}
    assert misleading["soybeans"]["leans"] == "markets"
    assert misleading["soybeans"]["sentences"] == 2 * len(DAYS)
    # the keywords of a section are never suggested for it again
    assert not {"prices", "farmers", "exporters"} & {a.lower() for a in adds}


def test_suggest_text_output(config: Path) -> None:
    result = CliRunner().invoke(main, ["suggest", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "markets (Market reaction)" in result.stdout
    assert "add      Shipments:" in result.stdout
    assert "misleads soybeans:" in result.stdout
    assert "lean markets" in result.stdout


def test_suggest_with_a_bad_config_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("briefing: {title: x}\nsources: []\nsectons: []\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["suggest", "-c", str(path)])
    assert result.exit_code == 2
    assert "sectons" in result.output


def test_explain_shows_learned_terms_with_weights(config: Path) -> None:
    result = CliRunner().invoke(main, ["explain", "-c", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    shipments = [r for r in records if r["text"].startswith("Shipments to Asia")]
    assert shipments and all(r["section"] == "markets" for r in shipments)
    learned = shipments[0]["learned"]
    assert learned.get("shipment", 0) > 0
    assert any(t.startswith("learned: ~shipment +") for t in shipments[0]["terms"])
    text = CliRunner().invoke(main, ["explain", "-c", str(config)])
    assert "learned: ~shipment +" in text.stdout

"""Corrections: `digest teach` files a sentence once; every later build follows it, for that
sentence, its merged wordings and sentences like it; bad input is refused and nothing written."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import teach
from digest.cli import main
from digest.config import ClassifyConfig, SectionConfig
from digest.errors import ConfigError
from digest.models import Role, Scored, Sentence
from digest.text import Stemmer, sentence_id

ROOT = Path(__file__).resolve().parents[1]
STOCKS = "U.S. stocks opened higher as investors bet on a resumption of substantive dialogue"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [args[0], "-c", str(project / "config.yaml"), *args[1:]])
    return result.exit_code, result.stdout, result.stderr


def explain(project: Path) -> list[dict[str, object]]:
    code, out, _ = run(project, "explain", "--format", "json")
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def sentence(project: Path, start: str) -> dict[str, object]:
    return next(r for r in explain(project) if str(r.get("text", "")).startswith(start))


def test_ids_are_short_stable_and_survive_whitespace_and_quotes() -> None:
    a = sentence_id("He said “no”  to it.")
    assert a == sentence_id('He said "no" to it.') == sentence_id(" He said “no” to it.\n")
    assert len(a) == 10 and a != sentence_id("He said “yes” to it.")


def test_teach_files_a_sentence_and_the_next_build_follows(project: Path) -> None:
    config_before = (project / "config.yaml").read_bytes()
    record = sentence(project, STOCKS)
    assert record["section"] == "market_reaction"
    code, _, err = run(project, "teach", str(record["id"]), "risks")
    assert code == 0, err
    assert (project / "config.yaml").read_bytes() == config_before  # never the config
    saved = (project / "examples.yaml").read_text(encoding="utf-8")
    assert "risks:" in saved and STOCKS in saved and str(record["id"]) in saved
    again = sentence(project, STOCKS)
    assert again["section"] == "risks"
    assert any(str(t).startswith("taught: risks (") for t in again["terms"])  # type: ignore[attr-defined]
    code, _, _ = run(project, "build", "-f", "json", "-o", str(project / "out"))
    assert code == 0
    [path] = (project / "out").glob("*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    shown = [*data["top_lines"], *(i for s in data["sections"] for i in s["items"])]
    found = [i for i in shown if i["text"].startswith(STOCKS)]
    assert all(i["section"] == "risks" for i in found)
    assert all(i["id"] for i in shown)


def test_teaching_again_moves_it_and_the_later_wins(project: Path) -> None:
    sid = str(sentence(project, STOCKS)["id"])
    assert run(project, "teach", sid, "risks")[0] == 0
    assert run(project, "teach", sid, "other")[0] == 0
    assert sentence(project, STOCKS)["section"] == "other"
    text = (project / "examples.yaml").read_text(encoding="utf-8")
    assert text.count(sid) == 1  # one entry per sentence in what teach writes


def test_two_entries_for_one_sentence_in_a_hand_edited_file_the_later_wins(
    project: Path,
) -> None:
    text = str(sentence(project, STOCKS)["text"])
    (project / "examples.yaml").write_text(
        f"risks:\n  - text: {text}\n    taught: 2026-01-02\n"
        f"tariffs:\n  - text: {text}\n    taught: 2026-01-03\n",
        encoding="utf-8",
    )
    record = next(r for r in explain(project) if str(r.get("text")).startswith(STOCKS))
    assert record["section"] == "tariffs"
    terms = [str(t) for t in record["terms"]]  # type: ignore[attr-defined]
    assert terms[:2] == ["taught: tariffs (2026-01-03)", "overrides an earlier correction to risks"]


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (("0000000000", "risks"), "unknown sentence id '0000000000'"),
        (("RIGHT", "risk"), "unknown section 'risk'; did you mean 'risks'?"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    project: Path, pair: tuple[str, str], message: str
) -> None:
    sid = str(sentence(project, STOCKS)["id"])
    args = [sid if p == "RIGHT" else p for p in pair]
    code, _, err = run(project, "teach", *args)
    assert code == 2 and message in err
    assert not (project / "examples.yaml").exists()


def test_an_id_one_typo_off_is_suggested(project: Path) -> None:
    sid = str(sentence(project, STOCKS)["id"])
    code, _, err = run(project, "teach", sid[:-1] + "x", "risks")
    assert code == 2 and f"did you mean {sid!r}" in err


def test_teach_refuses_a_config_validate_rejects(project: Path) -> None:
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\nbogus: 1\n", encoding="utf-8")
    code, _, err = run(project, "teach", "0123456789", "risks")
    assert code == 2 and "bogus" in err
    assert not (project / "examples.yaml").exists()


def test_a_malformed_examples_file_is_a_config_error_by_file_and_line(project: Path) -> None:
    (project / "examples.yaml").write_text(
        "risks:\n  - text: fine\nriks:\n  - text: typo\n", encoding="utf-8"
    )
    code, _, err = run(project, "validate")
    assert code == 2
    assert "examples.yaml:3: riks: unknown section; did you mean 'risks'?" in err
    (project / "examples.yaml").write_text("risks: [\n", encoding="utf-8")
    code, _, err = run(project, "validate")
    assert code == 2 and "examples.yaml:" in err and "not valid YAML" in err


def test_read_and_write_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "examples.yaml"
    assert teach.read(path, ["a"]) == []
    examples = teach.record(
        [], [("One sentence.", "a"), ("Two: “quoted”.", "other")], date(2026, 1, 2)
    )
    teach.write(path, examples)
    back = teach.read(path, ["a"])
    assert [(e.section, e.text, e.taught) for e in back] == [
        ("a", "One sentence.", date(2026, 1, 2)),
        ("other", "Two: “quoted”.", date(2026, 1, 2)),
    ]
    with pytest.raises(ConfigError) as caught:
        path.write_text("a:\n  - {text: x, when: 2026-01-02}\n", encoding="utf-8")
        teach.read(path, ["a"])
    assert "unknown key 'when'" in str(caught.value.problems[0])


def _scored(text: str, section: str = "other", score: float = 0.0) -> Scored:
    s = Sentence("s", "d", Role.CONTENT, text, 1, 1)
    return Scored(s, section, score, {"mines": score, "ports": 0.0}, (), 1.0)


def test_sentences_like_an_example_follow_it_and_explain_names_it() -> None:
    sections = [SectionConfig(id="mines", title="Mines"), SectionConfig(id="ports", title="Ports")]
    example = teach.Example(
        "ports", "Dockers at the container terminal walked out over pay.", date(2026, 1, 2)
    )
    like = _scored("Dockers at the grain terminal walked out over pay and hours.")
    unlike = _scored("The central bank left interest rates unchanged.")
    out = teach.apply([like, unlike], [example], sections, ClassifyConfig(), Stemmer())
    assert out[0].section == "ports"
    assert (
        "nearest example: 'Dockers at the container terminal walked out over pay.'"
        in out[0].reasons[-1]
    )
    assert "taught 2026-01-02" in out[0].reasons[-1]
    assert out[1].section == "other"


def test_a_taught_sentence_places_its_merged_wordings(tmp_path: Path) -> None:
    """Two sources' wordings of one fact are one item: teaching one files the item."""
    from digest import dedupe
    from digest.models import SourceInfo

    a = Sentence(
        "a",
        "d",
        Role.CONTENT,
        "Greer, Lutnick and Bessent will lead the American delegation to London.",
        3,
        1,
    )
    b = Sentence(
        "b",
        "d",
        Role.CONTENT,
        "Bessent, Lutnick and Greer would represent the US side in London.",
        4,
        1,
    )
    scored = [
        Scored(a, "call", 9.0, {"call": 9.0, "risks": 0.0}, (), 1.0),
        Scored(b, "call", 5.0, {"call": 5.0, "risks": 0.0}, (), 1.0),
    ]
    sections = [SectionConfig(id="call", title="Call"), SectionConfig(id="risks", title="Risks")]
    example = teach.Example("risks", b.text, date(2026, 1, 2))
    placed = teach.apply(scored, [example], sections, ClassifyConfig(), Stemmer())
    sources = [SourceInfo("a", 1, "A", "file", "a"), SourceInfo("b", 2, "B", "file", "b")]
    [item] = dedupe.merge(placed, sources, Stemmer())
    assert item.section == "risks" and item.source_numbers == (1, 2)


def test_the_html_gives_each_item_a_permalink_with_the_teach_command(project: Path) -> None:
    code, _, _ = run(project, "build", "-f", "html", "-o", str(project / "out"))
    assert code == 0
    [path] = (project / "out").glob("*.html")
    html = path.read_text(encoding="utf-8")
    sid = str(sentence(project, "Trump explicitly noted")["id"])
    assert f'id="s-{sid}"' in html and f"digest teach {sid} SECTION" in html


def test_with_an_encoder_vectors_are_cached_and_the_output_is_the_same(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest import encoder

    from .model import minilm

    config = project / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("classify:\n", f"classify:\n  encoder: {minilm()}\n", 1), encoding="utf-8"
    )
    record = sentence(project, STOCKS)
    assert run(project, "teach", str(record["id"]), "risks")[0] == 0
    out = project / "out"
    assert run(project, "build", "-f", "json,md", "-o", str(out), "--force")[0] == 0
    first = {p.name: p.read_bytes() for p in out.glob("briefing-*")}

    def no_model(*args: object, **kwargs: object) -> object:
        raise AssertionError("the model was loaded although every vector is cached")

    monkeypatch.setattr(encoder.Encoder, "load", no_model)
    assert run(project, "build", "-f", "json,md", "-o", str(out), "--force")[0] == 0
    assert {p.name: p.read_bytes() for p in out.glob("briefing-*")} == first

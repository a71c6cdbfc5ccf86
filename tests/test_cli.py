"""The command line, driven through click's runner: exit codes, messages, files written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main

from .conftest import ROOT


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample briefing, so tests can break it freely."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def test_build_writes_all_four_formats(runner: CliRunner, project: Path) -> None:
    out = project / "out"
    result = runner.invoke(
        main, ["build", "-c", str(project / "config.yaml"), "-o", str(out), "--date", "2025-06-06"]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"briefing-2025-06-06.{ext}" for ext in ("html", "json", "md", "pdf")]
    assert (out / "briefing-2025-06-06.pdf").read_bytes().startswith(b"%PDF")
    data = json.loads((out / "briefing-2025-06-06.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in data["sections"]] == [
        "call_details",
        "tariffs",
        "rare_earths",
        "market_reaction",
        "risks",
    ]
    assert all(s["items"] for s in data["sections"])
    assert result.stdout == ""  # not a terminal: quiet, as under cron
    verbose = runner.invoke(
        main,
        ["-v", "build", "-c", str(project / "config.yaml"), "-o", str(out), "--date", "2025-06-06"],
    )
    assert verbose.stdout.splitlines() == [
        str(out / f"briefing-2025-06-06.{e}") for e in ("md", "html", "pdf", "json")
    ]


def test_build_uses_config_output_dir_and_formats_option(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(main, ["build", "-c", str(project / "config.yaml"), "-f", "md,json"])
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in (project / "out").iterdir()) == [".json", ".md"]


def test_bad_config_exits_2_names_file_line_field_and_writes_nothing(
    runner: CliRunner, project: Path
) -> None:
    config = project / "config.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "    path: samples/trump-xi-call-short-report.txt", "    path: samples/missing.txt"
    )
    text = text.replace(
        "  timezone: America/New_York", "  timezone: America/New_York\n  titel: typo"
    )
    text = text.replace("    max_items: 4", "    max_items: four")
    config.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line(content: str) -> int:
        return lines.index(content) + 1

    result = runner.invoke(main, ["build", "-c", str(config), "-o", str(project / "out")])
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    typo, missing, bad = (
        line("  titel: typo"),
        line("    path: samples/missing.txt"),
        line("    max_items: four"),
    )
    assert (
        f"error: {config}:{typo}: briefing.titel: unknown key 'titel'; did you mean 'title'?"
        in errors
    )
    assert (
        f"error: {config}:{missing}: sources[1].path: file not found: samples/missing.txt" in errors
    )
    assert any(e.startswith(f"error: {config}:{bad}: sections[3].max_items: ") for e in errors)
    assert not (project / "out").exists()


def test_validate(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(main, ["validate", "-c", str(project / "config.yaml")])
    assert result.exit_code == 0
    assert "OK (2 sources, 5 sections)" in result.output
    (project / "config.yaml").write_text("briefing: [\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", "-c", str(project / "config.yaml")])
    assert result.exit_code == 2 and "not valid YAML" in result.stderr
    result = runner.invoke(main, ["validate", "-c", str(project / "nope.yaml")])
    assert result.exit_code == 2 and "config file not found" in result.stderr


def test_usage_errors_exit_2(runner: CliRunner, project: Path) -> None:
    cfg = str(project / "config.yaml")
    assert runner.invoke(main, ["build", "-c", cfg, "-f", "md,docx"]).exit_code == 2
    assert runner.invoke(main, ["build", "-c", cfg, "--date", "yesterday"]).exit_code == 2
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2
    assert not (project / "out").exists()


def test_explain_json_has_one_object_per_sentence(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(
        main, ["explain", "-c", str(project / "config.yaml"), "--format", "json"]
    )
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    records = [r for r in lines if "role" in r]
    assert len(records) == 104
    shown = [r for r in lines if "shown" in r]  # then each shown item, and why
    assert shown and [r["shown"] for r in shown[:4]] == ["top"] * 4
    for r in shown:
        assert {"news", "signals", "original", "standalone", "beside", "differs"} <= r.keys()
    assert {r["role"] for r in records} == {"title", "heading", "boilerplate", "content"}
    for r in records:
        assert {"source", "role", "section", "score", "text"} <= r.keys()
        assert (r["section"] is None) == (r["role"] != "content")
    first = records[0]
    assert first["role"] == "title" and first["source"] == "cnbc"
    assert (
        first["text"]
        == "Trump Unveils Renewed U.S.-China Trade Talks Following 90-Minute Call with Xi"
    )


def test_explain_text_shows_section_score_and_terms(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(main, ["explain", "-c", str(project / "config.yaml")])
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if "U.S. stocks opened higher" in x)
    assert "market_reaction" in line and "stocks" in line and "investors" in line
    why = result.stdout.split("Why each shown item is there", 1)[1].splitlines()
    assert why[1].startswith("top") and "news" in why[1]
    assert "lead +" in result.stdout and "2 sources +4.0" in result.stdout


def test_a_failing_source_is_reported_and_the_briefing_still_builds(
    runner: CliRunner, project: Path
) -> None:
    (project / "samples" / "garbage.txt").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    config = project / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "sections:\n",
            "  - kind: file\n    name: Broken feed dump\n    path: samples/garbage.txt\nsections:\n",
            1,
        ),
        encoding="utf-8",
    )
    out = project / "out"
    result = runner.invoke(
        main, ["build", "-c", str(config), "-o", str(out), "-f", "md,json", "--date", "2025-06-06"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "warning: source broken_feed_dump (samples/garbage.txt) failed: garbage.txt: binary file"
        in result.stderr
    )
    md = (out / "briefing-2025-06-06.md").read_text(encoding="utf-8")
    assert "Broken feed dump" in md and "failed" in md and "binary file" in md
    assert "## Tariffs" in md
    data = json.loads((out / "briefing-2025-06-06.json").read_text(encoding="utf-8"))
    broken = next(s for s in data["sources"] if s["id"] == "broken_feed_dump")
    assert broken["status"] == "failed" and "binary" in broken["reason"]


def test_every_command_has_help(runner: CliRunner) -> None:
    for command in ([], ["build"], ["validate"], ["explain"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_python_dash_m_digest() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "build" in done.stdout


def _with_templates(project: Path) -> tuple[Path, Path]:
    """The project's config with ``output.templates: mytemplates``, and that folder."""
    templates = project / "mytemplates"
    templates.mkdir()
    config = project / "config.yaml"
    text = config.read_text(encoding="utf-8").replace(
        "output:\n", "output:\n  templates: mytemplates\n", 1
    )
    config.write_text(text, encoding="utf-8")
    return config, templates


def test_a_hostile_user_template_is_refused_and_nothing_is_written(
    runner: CliRunner, project: Path, tmp_path: Path
) -> None:
    """Issue 13 (6): a template that reaches for os.popen fails with a clear RenderError;
    the command it tried never runs and no briefing file is written."""
    marker = tmp_path / "pwned"
    config, templates = _with_templates(project)
    (templates / "briefing.md.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}\n",
        encoding="utf-8",
    )
    out = project / "out"
    result = runner.invoke(
        main, ["build", "-c", str(config), "-o", str(out), "--date", "2025-06-06"]
    )
    assert result.exit_code == 1
    assert "briefing.md.j2" in result.output and "sandbox" in result.output
    assert "Traceback" not in result.output
    assert not marker.exists()
    assert not out.exists() or not any(out.iterdir())


def test_an_unreadable_file_in_the_templates_folder_does_not_stop_the_build(
    runner: CliRunner, project: Path
) -> None:
    """Issue 13 (13): it raised PermissionError while fingerprinting the templates, on
    every build. A file even root cannot read stands in for it: /proc/self/mem."""
    config, templates = _with_templates(project)
    (templates / "notes.bin").symlink_to("/proc/self/mem")
    out = project / "out"
    result = runner.invoke(
        main, ["build", "-c", str(config), "-o", str(out), "-f", "md", "--date", "2025-06-06"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "briefing-2025-06-06.md").exists()
    (templates / "briefing.md.j2").symlink_to("/proc/self/mem")  # one the briefing uses
    result = runner.invoke(
        main, ["build", "-c", str(config), "-o", str(out), "-f", "md", "--date", "2025-06-06"]
    )
    assert result.exit_code == 1 and "briefing.md.j2" in result.output, result.output
    assert isinstance(result.exception, SystemExit)

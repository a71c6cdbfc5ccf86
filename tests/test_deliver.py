"""Writing outputs: atomic, never half a briefing, errors that say where."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.deliver import write_atomic, write_outputs
from digest.errors import DeliveryError

from .conftest import ROOT


def test_writes_every_format_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    written = write_outputs({"md": b"# hi\n", "json": b"{}\n"}, tmp_path / "out", "b-2025-01-01")
    assert [p.name for p in written] == ["b-2025-01-01.md", "b-2025-01-01.json"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "b-2025-01-01.json",
        "b-2025-01-01.md",
    ]
    assert (tmp_path / "out" / "b-2025-01-01.md").read_bytes() == b"# hi\n"


def test_a_failed_write_keeps_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "briefing.md"
    target.write_bytes(b"yesterday's briefing\n")

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_atomic(target, b"today's brief" * 1000)
    assert target.read_bytes() == b"yesterday's briefing\n"
    assert [p.name for p in tmp_path.iterdir()] == ["briefing.md"]


def test_unwritable_output_is_a_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(DeliveryError, match="cannot write to"):
        write_outputs({"md": b"x"}, blocker, "b")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def test_cli_output_folder_that_is_a_file_exits_1(project: Path) -> None:
    (project / "out").write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "-c", str(project / "config.yaml"), "-f", "md"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write to")


def test_a_template_error_writes_nothing_at_all(project: Path) -> None:
    templates = project / "my-templates"
    templates.mkdir()
    (templates / "briefing.html.j2").write_text("<h1>{{ briefing.title }</h1>\n", encoding="utf-8")
    config = project / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  directory: out\n", "  directory: out\n  templates: my-templates\n"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", "-c", str(config)])
    assert result.exit_code == 1
    assert "briefing.html.j2, line 1" in result.stderr
    assert not (
        project / "out"
    ).exists()  # md rendered fine, but nothing is written unless all render


def test_user_template_overrides_builtin_by_name(project: Path) -> None:
    templates = project / "my-templates"
    templates.mkdir()
    (templates / "briefing.md.j2").write_text(
        "{{ briefing.title }}: {{ sections | length }} sections\n", encoding="utf-8"
    )
    config = project / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  directory: out\n", "  directory: out\n  templates: my-templates\n"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["build", "-c", str(config), "-f", "md,html", "--date", "2025-06-06"]
    )
    assert result.exit_code == 0, result.output
    assert (project / "out" / "briefing-2025-06-06.md").read_text(encoding="utf-8") == (
        "Trump–Xi call and US–China trade: 5 sections\n"
    )
    assert "<h2" in (project / "out" / "briefing-2025-06-06.html").read_text(encoding="utf-8")

"""dev.py, the one script a new machine runs: its help, apt-get kept quiet unless it fails,
and `sample` saying where the briefing went. apt-get is a stand-in script here."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_dev(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("asked", ["--help", "-h", "help"])
def test_help_lists_the_commands_and_says_what_setup_does(asked: str) -> None:
    done = run_dev(asked)
    assert done.returncode == 0 and done.stderr == ""
    for command in ("setup", "sample", "test", "model", "lock", "help"):
        assert f"\n  {command}  " in done.stdout, command
    assert "Setting up means:" in done.stdout and "requirements.lock" in done.stdout


def test_an_unknown_command_is_named_with_the_help() -> None:
    done = run_dev("smaple")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("dev.py: unknown command 'smaple'\n\nSet up and run digest")


def fake_apt(tmp_path: Path, code: int) -> str:
    """An apt-get that chatters, as the real one does, and exits with ``code``."""
    script = tmp_path / "apt-get"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nprint('Reading package lists... Done')\n"
        f"print('E: Unable to locate package', sys.argv[-1], file=sys.stderr)\nsys.exit({code})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


def test_apt_get_names_the_packages_first_and_keeps_its_output_back(
    dev: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    probes = iter([1, 0])  # Pango missing, then there
    monkeypatch.setattr(dev, "probe_pdf", lambda: next(probes))
    monkeypatch.setattr(dev, "apt_get_as_root", lambda: fake_apt(tmp_path, 0))
    dev.ensure_pdf_libraries()
    out = capsys.readouterr().out
    assert out == (
        "installing the system libraries WeasyPrint needs for PDF (apt-get install "
        f"{' '.join(dev.APT_PACKAGES)})\n"
    )


def test_a_failing_apt_get_shows_its_output(
    dev: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dev, "probe_pdf", lambda: 1)
    monkeypatch.setattr(dev, "apt_get_as_root", lambda: fake_apt(tmp_path, 100))
    with pytest.raises(SystemExit) as stopped:
        dev.ensure_pdf_libraries()
    assert str(stopped.value) == (
        "apt-get update failed:\nReading package lists... Done\nE: Unable to locate package -qq"
    )


def test_the_cjk_font_failure_shows_apt_gets_output_once(
    dev: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    true = shutil.which("true")  # an fc-list that finds no font
    monkeypatch.setattr(dev.shutil, "which", lambda name: true if name == "fc-list" else None)
    monkeypatch.setattr(dev, "apt_get_as_root", lambda: fake_apt(tmp_path, 100))
    dev.ensure_cjk_font()
    out = capsys.readouterr().out
    assert out.startswith(
        f"installing a font for Chinese, Japanese and Korean text in PDFs (apt-get install "
        f"{' '.join(dev.CJK_FONT_PACKAGES)})\napt-get install failed:\n"
    )
    assert out.count("Reading package lists") == 1 and "note: no font for Chinese" in out


def test_sample_says_where_the_briefing_was_written(
    dev: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    out = tmp_path / "out"
    digest = [sys.executable, "-m", "digest"]
    options = ["-c", str(tmp_path / "config.yaml"), "-o", str(out), "-f", "md,json"]
    assert dev.build_and_tell(digest, options) == 0
    said = capsys.readouterr()
    files = [out / "briefing-2025-06-05.md", out / "briefing-2025-06-05.json"]
    assert said.out.endswith("The briefing is in:\n" + "".join(f"  {f}\n" for f in files))
    assert said.err == ""  # -v's info lines are not shown
    assert dev.build_and_tell(digest, options) == 0  # nothing new: the files that stand
    said = capsys.readouterr()
    assert "nothing new since the build at" in said.err
    assert said.out.endswith("The briefing is in:\n" + "".join(f"  {f}\n" for f in files))

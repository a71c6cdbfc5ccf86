"""Writing outputs: atomic, never half a briefing, errors that say where."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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


# --------------------------------------------------------------------------- issue 13 (5)
# A briefing's files are one transaction: after a crash at any point the previous set or
# the new set stands, never a mix. The crashes are real: a child process SIGKILLs itself
# at the named point of a write (its os.replace or its staging wrapped to do so).

OLD = {"md": b"old md\n", "html": b"old html\n", "pdf": b"old pdf\n", "json": b"old json\n"}
NEW = {"md": b"new md\n", "html": b"new html\n", "pdf": b"new pdf\n", "json": b"new json\n"}

CHILD = """
import os, signal, sys
from collections.abc import Iterator
from pathlib import Path
from digest import deliver

point, after = sys.argv[1], int(sys.argv[2])
done = 0
if point == "rename":
    real = os.replace
    def replace(src, dst):
        global done
        real(src, dst)
        if str(dst).endswith(("md", "html", "pdf", "json")) and not str(dst).endswith(".digest-journal.json"):
            done += 1
            if done == after:
                os.kill(os.getpid(), signal.SIGKILL)
    deliver.os.replace = replace
else:
    real_stage = deliver._stage
    def stage(path, data):
        global done
        tmp = real_stage(path, data)
        done += 1
        if done == after:
            os.kill(os.getpid(), signal.SIGKILL)
        return tmp
    deliver._stage = stage
new = {f: f"new {f}\\n".encode() for f in ("md", "html", "pdf", "json")}
deliver.write_outputs(new, Path(sys.argv[3]), "b", latest="latest")
"""


def _contents(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def _killed_write(out: Path, point: str, after: int) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", CHILD, point, str(after), str(out)], check=False)
    assert done.returncode == -9  # killed, as planned


def _sets(out: Path) -> set[str]:
    """Which briefings the visible files belong to."""
    names = [f"{s}{e}" for s in ("b", "latest") for e in (".md", ".html", ".pdf", ".json")]
    return {(out / n).read_bytes().split()[0].decode() for n in names}


@pytest.mark.parametrize("after", [1, 3, 7])
def test_a_run_killed_while_renaming_is_rolled_forward(tmp_path: Path, after: int) -> None:
    out = tmp_path / "out"
    write_outputs(OLD, out, "b", latest="latest")
    _killed_write(out, "rename", after)
    assert _sets(out) == {"old", "new"}  # what the crash left: a mix …
    assert (out / ".digest-journal.json").exists()
    from digest.deliver import recover

    recover(out)  # … which the next digest command finishes
    assert _sets(out) == {"new"}
    assert sorted(_contents(out)) == sorted(
        f"{s}{e}" for s in ("b", "latest") for e in (".md", ".html", ".pdf", ".json")
    )  # no journal, no temporary file left


@pytest.mark.parametrize("after", [1, 5])
def test_a_run_killed_before_it_committed_leaves_the_previous_set(
    tmp_path: Path, after: int
) -> None:
    out = tmp_path / "out"
    write_outputs(OLD, out, "b", latest="latest")
    _killed_write(out, "stage", after)
    assert _sets(out) == {"old"}
    assert any(p.name.endswith(".digest-tmp") for p in out.iterdir())  # the crash's leftovers
    write_outputs(NEW, out, "b", latest="latest")  # the next run cleans them
    assert _sets(out) == {"new"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_folder_in_the_way_fails_before_anything_changes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs({f: OLD[f] for f in ("md", "html", "json")}, out, "b")
    (out / "b.pdf").mkdir()
    with pytest.raises(DeliveryError, match=r"b\.pdf: a folder"):
        write_outputs(NEW, out, "b")
    assert _contents(out) == {"b.html": b"old html\n", "b.json": b"old json\n", "b.md": b"old md\n"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_stale_temporary_files_of_earlier_versions_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(OLD, out, "b")
    (out / ".b.json.k3j2h1.tmp").write_bytes(b"half")
    (out / ".keep-me").write_bytes(b"not ours")
    write_outputs(NEW, out, "b")
    assert not (out / ".b.json.k3j2h1.tmp").exists() and (out / ".keep-me").exists()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KB file system (tmpfs), so a write fails with ENOSPC; needs root."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_full_disk_leaves_the_previous_set_and_no_temporary_files(small_disk: Path) -> None:
    out = small_disk / "out"
    write_outputs(OLD, out, "b", latest="latest")
    big = {**NEW, "pdf": b"%PDF" + b"x" * 200_000}  # more than the disk holds
    with pytest.raises(DeliveryError, match="No space left"):
        write_outputs(big, out, "b", latest="latest")
    assert _sets(out) == {"old"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]

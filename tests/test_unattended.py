"""Cron-safe runs: the lock, a killed run, archive and latest names, memory between days.

These run ``digest`` as cron would: through the command line, in separate processes
where the point is what a second process or a kill does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest import lock
from digest.cli import main

from .conftest import ROOT
from .loopback import Loopback, Reply

DAY1, DAY2 = "2025-06-06", "2025-06-07"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def build(project: Path, *extra: str, day: str = DAY1) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["build", "-c", str(project / "config.yaml"), "--date", day, *extra]
    )
    return result.exit_code, result.stdout, result.stderr


def store_rows(project: Path, query: str) -> list[tuple[object, ...]]:
    path = project / ".digest-state" / "state.sqlite"
    with sqlite3.connect(path) as conn:
        rows = conn.execute(query).fetchall()
    conn.close()
    return rows


# --------------------------------------------------------------------------- the lock


def test_a_second_run_while_one_holds_the_lock_exits_5_and_does_nothing(project: Path) -> None:
    with lock.hold(project / ".digest-state" / "state.sqlite.lock"):
        code, _, stderr = build(project)
    assert code == 5
    assert "another digest run holds" in stderr and f"pid {os.getpid()}" in stderr
    assert not (project / "out").exists()
    code, _, _ = build(project)  # released: the next run goes ahead
    assert code == 0 and (project / "out" / f"briefing-{DAY1}.pdf").exists()


@pytest.fixture
def holder(project: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Another process holding the lock, as a run still going (or stuck) would."""
    script = (
        "import sys, time; from pathlib import Path; from digest import lock\n"
        "with lock.hold(Path(sys.argv[1])):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    path = project / ".digest-state" / "state.sqlite.lock"
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, cwd=ROOT
    )
    assert process.stdout is not None and process.stdout.readline() == b"held\n"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()
    process.stdout.close()


def test_overlap_with_another_process_then_its_stale_lock_is_taken_over(
    project: Path, holder: subprocess.Popen[bytes]
) -> None:
    code, _, stderr = build(project)
    assert code == 5 and f"pid {holder.pid}" in stderr
    holder.send_signal(signal.SIGKILL)  # dies holding it: the lock file stays behind
    holder.wait()
    assert (project / ".digest-state" / "state.sqlite.lock").exists()
    code, _, stderr = build(project)
    assert code == 0, stderr


# --------------------------------------------------------------------------- a killed run


def test_a_run_killed_halfway_leaves_the_last_briefing_and_the_store_intact(
    project: Path,
) -> None:
    config = project / "config.yaml"
    assert build(project)[0] == 0
    out = project / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with Loopback() as server:
        server.route("/slow", Reply(body="<p>late</p>", delay=30))
        text = config.read_text(encoding="utf-8").replace(
            "sections:\n",
            f"  - kind: page\n    id: slow\n    url: {server.url('/slow')}\nsections:\n",
            1,
        )
        config.write_text(text, encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "digest", "build", "-c", str(config), "--date", DAY1],
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not server.paths("/slow") and time.monotonic() < deadline:
            time.sleep(0.05)  # wait until the run is busy fetching
        assert server.paths("/slow"), "the run never reached the slow source"
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert store_rows(project, "PRAGMA integrity_check") == [("ok",)]
    runs = store_rows(project, "SELECT exit_code, finished FROM runs ORDER BY id")
    assert runs[0] == (0, runs[0][1]) and runs[0][1] is not None
    assert runs[-1] == (None, None)  # the killed run: begun, never finished
    items = store_rows(project, "SELECT COUNT(*) FROM briefing_items")
    assert items[0][0] > 0  # the first run's items are still there


# --------------------------------------------------------------------------- outputs


def test_archive_and_latest_names(project: Path) -> None:
    config = project / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  directory: out\n",
            "  directory: out\n  archive: archive\n  latest: briefing-latest\n",
        ),
        encoding="utf-8",
    )
    assert build(project, "-f", "md,json")[0] == 0
    assert build(project, "-f", "md,json", day=DAY2)[0] == 0
    out = project / "out"
    assert sorted(p.name for p in (out / "archive").iterdir()) == [
        f"briefing-{d}.{e}" for d in (DAY1, DAY2) for e in ("json", "md")
    ]
    assert (out / "briefing-latest.md").read_bytes() == (
        out / "archive" / f"briefing-{DAY2}.md"
    ).read_bytes()


def test_rebuilding_a_day_gives_the_same_bytes(project: Path) -> None:
    assert build(project)[0] == 0
    first = {p.name: p.read_bytes() for p in (project / "out").iterdir()}
    assert build(project)[0] == 0  # the store now knows day 1; its own items are not "repeats"
    assert {p.name: p.read_bytes() for p in (project / "out").iterdir()} == first


# --------------------------------------------------------------------------- memory


def _shown(briefing: dict[str, Any]) -> list[dict[str, Any]]:
    return [*briefing["top_lines"], *(i for s in briefing["sections"] for i in s["items"])]


def test_the_next_day_marks_what_was_already_reported(project: Path) -> None:
    assert build(project, "-f", "md,json")[0] == 0
    day1 = json.loads((project / "out" / f"briefing-{DAY1}.json").read_text(encoding="utf-8"))
    assert day1["tracked"] is True and day1["new_items"] == len(_shown(day1))
    assert all(i["first_reported"] is None for i in _shown(day1))

    assert build(project, "-f", "md,json", day=DAY2)[0] == 0  # same sources
    day2 = json.loads((project / "out" / f"briefing-{DAY2}.json").read_text(encoding="utf-8"))
    shown1 = {i["text"] for i in _shown(day1)}
    items = _shown(day2)
    assert items and all((i["first_reported"] == DAY1) == (i["text"] in shown1) for i in items)
    # what day 1 had no room for is news to readers; the top lines lead with it
    assert day2["new_items"] == sum(i["text"] not in shown1 for i in items)
    assert any(i["first_reported"] is None for i in day2["top_lines"])
    md = (project / "out" / f"briefing-{DAY2}.md").read_text(encoding="utf-8")
    assert "*(reported 6 June)*" in md


def test_hide_leaves_repeated_items_out(project: Path) -> None:
    config = project / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\nstate:\n  repeated: hide\n", encoding="utf-8"
    )
    assert build(project, "-f", "json")[0] == 0
    assert build(project, "-f", "json", day=DAY2)[0] == 0
    out = project / "out"
    day1 = json.loads((out / f"briefing-{DAY1}.json").read_text(encoding="utf-8"))
    day2 = json.loads((out / f"briefing-{DAY2}.json").read_text(encoding="utf-8"))
    shown1 = {i["text"] for i in _shown(day1)}
    shown2 = [i["text"] for i in _shown(day2)]
    # what day 1 showed is left out; what it had no room for is news to readers now
    assert shown2 and not shown1 & set(shown2)
    assert day2["new_items"] == len(shown2)


def test_each_run_is_recorded_with_its_exit_code_and_sources(project: Path) -> None:
    assert build(project, "-f", "md")[0] == 0
    with lock.hold(project / ".digest-state" / "state.sqlite.lock"):
        assert build(project, "-f", "md")[0] == 5  # refused before it could record anything
    config = project / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        .replace(
            "sections:\n",
            "  - kind: page\n    id: dead\n    url: http://127.0.0.1:9/\nsections:\n",
            1,
        )
        .replace("fetch:\n", "fetch:\n  retries: 0\n  connect_timeout: 2\n", 1),
        encoding="utf-8",
    )
    code, _, stderr = build(project, "-f", "md", "--strict")
    assert code == 4, stderr
    runs = store_rows(project, "SELECT id, exit_code, outputs FROM runs ORDER BY id")
    assert [r[1] for r in runs] == [0, 4]
    assert json.loads(str(runs[1][2])) == [str(project / "out" / f"briefing-{DAY1}.md")]
    failed = store_rows(
        project, f"SELECT source_id, status FROM run_sources WHERE run_id = {runs[1][0]}"
    )
    assert ("dead", "failed") in failed


def test_log_file(project: Path) -> None:
    log = project / "digest.log"
    result = CliRunner().invoke(
        main,
        ["--log-file", str(log), "build", "-c", str(project / "config.yaml"), "-f", "md"],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # cron mails nothing when all is well
    text = log.read_text(encoding="utf-8")
    assert " INFO built the briefing of 2" in text and "briefing-" in text


def test_a_log_file_that_cannot_be_written_stops_the_run_before_it_starts(
    project: Path,
) -> None:
    """Issue 13 (10): it used to fail at the first log line, after the files were written
    and before the email went out."""
    log = project / "missing-folder" / "digest.log"
    result = CliRunner().invoke(
        main,
        ["--log-file", str(log), "build", "-c", str(project / "config.yaml"), "-f", "md"],
    )
    assert result.exit_code == 2, result.output
    assert "--log-file" in result.stderr and "cannot write to" in result.stderr
    assert "Traceback" not in result.output
    assert not (project / "out").exists()


@pytest.mark.parametrize("where", ["lock_is_a_folder", "under_proc"])
def test_a_state_store_that_cannot_be_made_is_an_error_not_a_traceback(
    project: Path, where: str
) -> None:
    """Issue 13 (9): the run lock was taken outside the state-error guard."""
    config = project / "config.yaml"
    if where == "lock_is_a_folder":
        (project / ".digest-state" / "state.sqlite.lock").mkdir(parents=True)
        expected = "run lock"
    else:
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text + "\nstate:\n  path: /proc/digest-test/state.sqlite\n", encoding="utf-8"
        )
        expected = "/proc/digest-test"
    result = CliRunner().invoke(main, ["build", "-c", str(config), "-f", "md"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert expected in result.stderr and "cannot" in result.stderr
    assert not (project / "out").exists()

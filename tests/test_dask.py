"""The per-document work on a Dask cluster (issue 16, ``build.executor: dask``): a real
``distributed.LocalCluster`` of two worker processes on loopback. The briefing is the
same bytes as with ``--jobs 1``; a worker killed mid-run is survived (Dask sends its
task again); an unreachable scheduler fails the run, exit 1, before any file is written."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import main

from .test_executor import DAY, FORMATS, _built, _project

distributed = pytest.importorskip(
    "distributed", reason="the dask extra is not installed (pip install 'digest[dask]')"
)


def _on_dask(folder: Path, scheduler: str, timeout: float = 10.0) -> Path:
    config = _project(folder)
    text = config.read_text(encoding="utf-8")
    build = f"build:\n  executor: dask\n  scheduler: {scheduler}\n  connect_timeout: {timeout}\n"
    config.write_text(text + build, encoding="utf-8")
    return config


def test_the_briefing_is_the_same_bytes_as_with_one_job(tmp_path: Path, scheduler: str) -> None:
    alone = _built(_project(tmp_path / "alone"), 1)
    cluster = _built(_on_dask(tmp_path / "cluster", scheduler), 1)  # --jobs: not for dask
    for fmt in FORMATS:
        assert alone[fmt] == cluster[fmt], fmt


def test_an_unreachable_scheduler_fails_the_run_before_any_file(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = _on_dask(tmp_path / "p", f"tcp://127.0.0.1:{port}", timeout=1.0)
    out = tmp_path / "p" / "out"
    result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(out), "--date", DAY])
    assert result.exit_code == 1, result.output
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.output
    assert not out.exists() or not any(out.iterdir())


class _KillOnce(distributed.WorkerPlugin):  # type: ignore[misc]
    """Ends its worker's process the first time any worker of the cluster starts a task
    (the file says whether one did), as a machine lost mid-run would."""

    def __init__(self, flag: str) -> None:
        self.flag = flag

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish != "executing":
            return
        try:
            os.close(os.open(self.flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os._exit(1)


def test_a_worker_killed_mid_run_is_survived(tmp_path: Path, scheduler: str) -> None:
    alone = _built(_project(tmp_path / "alone"), 1)
    flag = tmp_path / "killed"
    with distributed.Client(scheduler, set_as_default=False) as client:
        client.register_plugin(_KillOnce(str(flag)), name="kill-once")
        try:
            cluster = _built(_on_dask(tmp_path / "cluster", scheduler), 1)
        finally:
            client.unregister_worker_plugin("kill-once")
        client.wait_for_workers(2, timeout=60)  # the nanny has started another
    assert flag.exists()  # a worker did die mid-run
    for fmt in FORMATS:
        assert alone[fmt] == cluster[fmt], fmt

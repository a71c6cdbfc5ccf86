"""The per-document work on worker processes (issue 16): the same briefing, byte for byte,
with any number of jobs; the pool started only when there is work for it; ``build`` in the
config checked like the rest of it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from digest import executor
from digest.cli import main
from digest.config import ConfigError, load
from digest.errors import RenderError
from digest.executor import ExecutorError, Inline, Pool, batches

from .conftest import ROOT, shared_path

DAY = "2025-06-06"
FORMATS = ("md", "html", "json")


def _project(folder: Path, sources: list[dict[str, Any]] | None = None) -> Path:
    """A copy of the sample briefing, with other sources if given."""
    shutil.copytree(ROOT / "samples", folder / "samples")
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    if sources is not None:
        config["sources"] = sources
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder / "config.yaml"


def _built(config: Path, jobs: int) -> dict[str, bytes]:
    out = config.parent / "out"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "-c",
            str(config),
            "-o",
            str(out),
            "--date",
            DAY,
            "--jobs",
            str(jobs),
            "-f",
            ",".join(FORMATS),
        ],
    )
    assert result.exit_code == 0, result.output
    return {f: (out / f"briefing-{DAY}.{f}").read_bytes() for f in FORMATS}


@pytest.fixture
def pool_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start the pool for any number of documents, so that small builds use it too."""
    monkeypatch.setattr(executor, "POOL_MIN_ITEMS", 0)


def test_sample_is_the_same_bytes_with_one_and_two_jobs(tmp_path: Path, pool_always: None) -> None:
    one = _built(_project(tmp_path / "one"), 1)
    two = _built(_project(tmp_path / "two"), 2)
    for fmt in FORMATS:
        assert one[fmt] == two[fmt], fmt


def test_many_articles_are_the_same_bytes_with_one_and_two_jobs(
    tmp_path: Path, pool_always: None
) -> None:
    """120 BBC articles in five sources: many batches, each worker reading several, the
    screen dropping repeats, learning and merging across all of them."""
    bbc = shared_path("data", "bbc")
    topics = sorted(p.name for p in bbc.iterdir() if p.is_dir())
    copies = []
    for name in ("one", "two"):
        folder = tmp_path / name
        for topic in topics:
            (folder / "articles" / topic).mkdir(parents=True)
            for path in sorted((bbc / topic).glob("*.txt"))[:24]:
                shutil.copy(path, folder / "articles" / topic / path.name)
        sources = [
            {"kind": "file", "id": t, "name": f"BBC {t}", "path": f"articles/{t}/*.txt"}
            for t in topics
        ]
        copies.append(_project(folder, sources))
    one, two = _built(copies[0], 1), _built(copies[1], 2)
    for fmt in FORMATS:
        assert one[fmt] == two[fmt], fmt
    assert b"BBC business" in one["md"]


def test_a_rerun_with_nothing_new_starts_no_pool(
    tmp_path: Path, pool_always: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _project(tmp_path / "p")
    _built(config, 1)

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pool was started")

    monkeypatch.setattr(executor, "ProcessPoolExecutor", refused)
    result = CliRunner().invoke(
        main,
        [
            "-v",
            "build",
            "-c",
            str(config),
            "-o",
            str(config.parent / "out"),
            "--date",
            DAY,
            "-f",
            ",".join(FORMATS),
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "nothing new" in result.output


def test_a_small_build_runs_in_its_own_process(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = Pool(2)
    assert list(pool.map(abs, [-1, -2, 3])) == [1, 2, 3]
    assert pool._pool is None  # below POOL_MIN_ITEMS: no process was started
    pool.close()


def test_the_pool_gives_results_in_input_order(pool_always: None) -> None:
    pool = Pool(2)
    try:
        assert list(pool.map(abs, list(range(-50, 0)))) == list(range(50, 0, -1))
        assert pool._pool is not None
    finally:
        pool.close()


def test_batches_keep_every_item_in_order() -> None:
    items = list(range(1000))
    for workers in (1, 2, 7):
        cut = batches(items, workers)
        assert [i for batch in cut for i in batch] == items
        assert max(len(b) for b in cut) <= 64
    assert len(batches(list(range(40)), 2)) == 8  # four a worker while there are items
    assert batches([], 2) == []
    assert list(Inline().map(str, [1, 2])) == ["1", "2"]


def test_jobs_and_executor_are_checked_in_the_config(tmp_path: Path) -> None:
    config = _project(tmp_path / "p")
    text = config.read_text(encoding="utf-8")
    for build, expected in (
        ("build:\n  jobs: 0\n", "build.jobs"),
        ("build:\n  executor: dask\n", "needs scheduler"),
        ("build:\n  executor: spark\n", "build.executor"),
        ("build:\n  executor: dask\n  scheduler: host:8786\n", "tcp://host:8786"),
    ):
        config.write_text(text + build, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load(config)
        assert expected in str(caught.value), build


def test_dask_without_the_extra_is_a_config_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    config = _project(tmp_path / "p")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + "build:\n  executor: dask\n  scheduler: tcp://127.0.0.1:8786\n", encoding="utf-8"
    )
    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else found(name, *a),
    )
    with pytest.raises(ConfigError) as caught:
        load(config)
    problem = caught.value.problems[0]
    assert problem.path == "build.executor"
    assert problem.line == text.count("\n") + 2
    assert "digest[dask]" in problem.message


def test_a_build_forgets_the_reasons_but_briefs_the_same(tmp_path: Path) -> None:
    """What a build lets go early (every section's score, the reasons, the raw bytes, the
    documents' blocks) is what ``explain`` shows, not what the briefing is made of; the
    state store's keys and hashes of the documents are the same."""
    from dataclasses import replace
    from datetime import date

    from digest.build import analyze

    loaded = load(_project(tmp_path / "p"))
    shown = analyze(loaded, on=date(2025, 6, 6))
    built = analyze(loaded, on=date(2025, 6, 6), explain=False)
    assert built.briefing == shown.briefing
    assert built.scored == () and shown.scored
    assert built.documents == tuple(replace(d, blocks=()) for d in shown.documents)
    assert [d.digests for d in built.documents] == [d.digests for d in shown.documents]


def _die(code: int) -> int:
    os._exit(code)


def test_a_worker_that_dies_is_the_builds_error(pool_always: None) -> None:
    pool = Pool(2)
    try:
        with pytest.raises(ExecutorError, match="a worker process died"):
            list(pool.map(_die, [3, 4]))
    finally:
        pool.close()


def _where(value: int) -> tuple[int, int]:
    return value * 2, os.getpid()


def _refuse(value: int) -> int:
    raise RenderError(f"refused {value}")


def test_aside_runs_in_a_forked_copy_once_the_pool_runs(pool_always: None) -> None:
    pool = Pool(2)
    try:
        before = pool.aside(_where, 4)  # no pool yet: it runs here, when read
        assert before() == (8, os.getpid())
        list(pool.map(abs, [-1, -2]))  # the pool starts
        held = {"big": list(range(10))}  # nothing is sent: the child sees the memory
        later = pool.aside(lambda: (sum(held["big"]), os.getpid()))
        total, where = later()
        assert total == 45 and where != os.getpid()
        assert pool._asides == []  # joined once read
    finally:
        pool.close()


def test_an_error_aside_is_raised_where_it_is_read(pool_always: None) -> None:
    pool = Pool(2)
    try:
        list(pool.map(abs, [-1]))
        with pytest.raises(RenderError, match="refused 3"):
            pool.aside(_refuse, 3)()
        with pytest.raises(ExecutorError, match="a worker process died"):
            pool.aside(_die, 5)()
    finally:
        pool.close()


def test_an_aside_nobody_read_is_stopped_with_the_pool(pool_always: None) -> None:
    pool = Pool(2)
    list(pool.map(abs, [-1]))
    pool.aside(_where, 1)
    child = pool._asides[0]
    pool.close()
    assert not child.is_alive() and pool._asides == []


def test_inline_aside_runs_when_read() -> None:
    ran: list[int] = []
    later = Inline().aside(ran.append, 1)
    assert ran == []
    later()
    assert ran == [1]


def test_the_pdf_printed_beside_is_the_same_bytes(tmp_path: Path, pool_always: None) -> None:
    """The PDF is printed in a forked copy of the build once its pool runs."""
    built = {}
    for jobs in (1, 2):
        config = _project(tmp_path / str(jobs))
        out = config.parent / "out"
        args = ["build", "-c", str(config), "-o", str(out), "--date", DAY, "-f", "pdf"]
        result = CliRunner().invoke(main, [*args, "--jobs", str(jobs)])
        assert result.exit_code == 0, result.output
        built[jobs] = (out / f"briefing-{DAY}.pdf").read_bytes()
    assert built[1].startswith(b"%PDF") and built[1] == built[2]

"""Shared fixtures. Data under ../shared is optional: tests that need it skip with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.extract import extract
from digest.models import Document, RawDocument

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when that data is not beside the checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside a developer's or CI's checkout)")
    return path


def plain_document(text: str, doc_id: str = "d.txt", source_id: str = "s") -> Document:
    """A plain-text document as the extract stage makes it from a file's bytes."""
    raw = RawDocument(source_id, doc_id, doc_id, "text/plain", text.encode("utf-8"))
    return extract(raw)


@pytest.fixture
def project_root() -> Path:
    return ROOT


@pytest.fixture
def sample_config() -> Path:
    return ROOT / "config.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A Dask LocalCluster on loopback: two single-threaded worker processes, each
    restarted by its nanny if it dies; its scheduler's address."""
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra is not installed (pip install 'digest[dask]')"
    )
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address

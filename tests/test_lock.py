"""requirements.lock covers what pyproject.toml asks for, so `dev.py setup` (which
installs the lock with --require-hashes and --no-deps) installs the same bytes on every
machine and never falls back to what the registry serves that day."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def locked() -> dict[str, tuple[str, int]]:
    """name → (version, number of sha256 hashes) for every pin in the lock."""
    out: dict[str, tuple[str, int]] = {}
    name = None
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if m := PIN.match(line):
            name = canonicalize_name(m.group(1))
            out[name] = (m.group(2), 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = out[name]
            out[name] = (version, hashes + 1)
        elif not line.startswith(" "):
            name = None
    return out


def wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    specs = list(project["project"]["dependencies"])
    for extra in ("test", "encoder", "dask"):
        specs += project["project"]["optional-dependencies"][extra]
    specs += project["build-system"]["requires"]
    return [Requirement(s) for s in specs]


def test_every_requirement_is_pinned_with_hashes_in_its_range() -> None:
    pins = locked()
    for req in wanted():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: run python3 dev.py lock"
        version, hashes = pins[name]
        assert req.specifier.contains(version, prereleases=True), f"{req} but locked {version}"
        assert hashes >= 1, f"{req.name} has no sha256 in requirements.lock"


def test_the_lock_pins_the_installer_and_the_editable_build() -> None:
    """pip itself, and what an editable install of digest needs without build isolation."""
    pins = locked()
    for name in ("pip", "hatchling", "editables", "lxml-html-clean"):
        assert name in pins, name


def test_every_pin_has_a_hash() -> None:
    """--require-hashes refuses the whole install if one line lacks a hash."""
    assert all(hashes >= 1 for _, hashes in locked().values())

"""``digest init``: a commented starter config and a sample note, so a new user edits a
briefing that already builds instead of writing YAML from a blank page (as ``mkdocs
new`` and ``pelican-quickstart`` start a site).

The files live in ``digest/starter/``: the config there is valid as it is (a test
validates it), and ``init`` changes only its time zone, to the machine's.
"""

from __future__ import annotations

import os
import re
from contextlib import suppress
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, ConfigProblem

CONFIG = "config.yaml"
SAMPLE = "samples/example-note.txt"


def init(folder: Path, zone: str | None = None) -> list[Path]:
    """Write the starter config and the sample note into ``folder`` (made if missing) and
    return what was written. Never overwrites: an existing config is a ConfigError
    (exit 2) and nothing is written; a sample note already there is kept as it is. The
    config is written last, so a run that fails halfway can simply be repeated."""
    starter = resources.files("digest") / "starter"
    config = folder / CONFIG
    if config.exists():
        message = (
            "a config is already here; digest init never overwrites one "
            "(edit it, or give init another folder)"
        )
        raise ConfigError([ConfigProblem(str(config), None, "", message)])
    text = (starter / CONFIG).read_text(encoding="utf-8")
    text = re.sub(  # the comment after it stays in its column
        r"(?m)^(  timezone: )(UTC *)#",
        lambda m: f"{m[1]}{(zone or local_zone()).ljust(len(m[2]) - 1)} #",
        text,
        count=1,
    )
    written = []
    sample = folder / SAMPLE
    if not sample.exists():
        sample.parent.mkdir(parents=True, exist_ok=True)
        sample.write_bytes((starter / SAMPLE).read_bytes())
        written.append(sample)
    try:
        with config.open("x", encoding="utf-8") as handle:  # "x": a config made meanwhile wins
            handle.write(text)
    except FileExistsError:  # pragma: no cover - another init in the same moment
        raise ConfigError([ConfigProblem(str(config), None, "", "made meanwhile")]) from None
    written.append(config)
    return written


def local_zone() -> str:
    """This machine's IANA time zone (``TZ``, else where ``/etc/localtime`` links to), or
    UTC: what "today" means for the briefing should be the user's day, not Greenwich's."""
    names = [os.environ.get("TZ", "").removeprefix(":")]
    with suppress(OSError):
        names.append(os.readlink("/etc/localtime").partition("zoneinfo/")[2])
    for name in names:
        if not name or name.startswith("/"):
            continue
        with suppress(ZoneInfoNotFoundError, ValueError, OSError):
            ZoneInfo(name)
            return name
    return "UTC"

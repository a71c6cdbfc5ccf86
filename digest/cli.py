"""Command line: the only place that turns errors into messages and exit codes.

Exit codes: 0 built, 1 any other failure, 2 bad config or usage.
Heavy modules are imported inside the commands so ``digest --help`` stays instant.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from .config import LoadedConfig

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

F = TypeVar("F", bound=Callable[..., Any])


def _config_option(func: F) -> F:
    return click.option(
        "-c",
        "--config",
        "config_path",
        default="config.yaml",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The briefing's config file.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="digest", prog_name="digest")
def main() -> None:
    """Turn a day's news on a story into a briefing: Markdown, HTML, PDF and JSON."""


@main.command()
@_config_option
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: output.directory in the config).",
)
@click.option(
    "-f",
    "--formats",
    metavar="LIST",
    help="Comma-separated formats: md,html,pdf,json (default: output.formats).",
)
@click.option(
    "--date",
    "on",
    metavar="YYYY-MM-DD",
    help="Build the briefing for this date (default: briefing.date, else today).",
)
def build(config_path: Path, out_dir: Path | None, formats: str | None, on: str | None) -> None:
    """Build the briefing and write it in every requested format."""
    wanted = _formats(formats)
    day = _date(on)
    with _errors():
        from .build import build as run

        loaded = _load(config_path)
        result = run(loaded, out_dir=out_dir, formats=wanted, on=day)
        for status in result.failed_sources:
            click.echo(f"warning: source {status.source_id} failed: {status.reason}", err=True)
        for path in result.written:
            click.echo(str(path))


@main.command()
@_config_option
def validate(config_path: Path) -> None:
    """Check the config; report every problem with file, line and field."""
    with _errors():
        loaded = _load(config_path)
        config = loaded.config
        click.echo(
            f"{config_path}: OK ({len(config.sources)} sources, {len(config.sections)} sections)"
        )


@main.command()
@_config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for tools (one object per line).",
)
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Briefing date.")
def explain(config_path: Path, fmt: str, on: str | None) -> None:
    """Show every sentence: source, role, section, score and the terms that decided it."""
    day = _date(on)
    with _errors():
        from .build import analyze

        analysis = analyze(_load(config_path), on=day)
        for scored in analysis.scored:
            s = scored.sentence
            if fmt == "json":
                record = {
                    "source": s.source_id,
                    "doc": s.doc_id,
                    "index": s.index,
                    "role": s.role.value,
                    "section": scored.section if s.role.value == "content" else None,
                    "score": scored.score,
                    "text": " ".join(s.text.split()),
                    "terms": list(scored.reasons),
                    "scores": dict(scored.scores),
                }
                click.echo(json.dumps(record, ensure_ascii=False))
            else:
                if s.role.value == "content":
                    label = f"{scored.section:<16} {scored.score:6.2f}"
                else:
                    label = f"{'[' + s.role.value + ']':<16} {'':6}"
                why = f"  ({', '.join(scored.reasons)})" if scored.reasons else ""
                click.echo(f"{s.source_id}#{s.index:<3} {label}  {s.text}{why}")
        for status in analysis.statuses:
            if status.reason:
                click.echo(f"source {status.source_id}: {status.status}: {status.reason}", err=True)


def _load(config_path: Path) -> LoadedConfig:
    from .config import load

    return load(config_path)


def _formats(value: str | None) -> list[str] | None:
    if value is None:
        return None
    from .config import FORMATS

    wanted = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise click.BadParameter(
            f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {','.join(FORMATS)}",
            param_hint="--formats",
        )
    return list(dict.fromkeys(wanted))


def _date(value: str | None) -> Date | None:
    if value is None:
        return None
    try:
        return Date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None


@contextmanager
def _errors() -> Iterator[None]:
    from .errors import ConfigError, DigestError

    try:
        yield
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_USAGE)
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FAILURE)

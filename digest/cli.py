"""Command line: the only place that turns errors into messages and exit codes.

Exit codes: 0 built; 1 any other failure; 2 bad config or usage; 3 every source
failed (nothing written); 4 ``--strict`` and at least one source failed (the
briefing was still written).
Heavy modules are imported inside the commands so ``digest --help`` stays instant.
"""

from __future__ import annotations

import json
import logging
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
EXIT_NO_SOURCES = 3
EXIT_STRICT = 4

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
@click.option("-v", "--verbose", is_flag=True, help="Also log progress (fetches, retries).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no warnings.")
def main(verbose: bool, quiet: bool) -> None:
    """Turn a day's news on a story into a briefing: Markdown, HTML, PDF and JSON."""
    _logging(logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING)


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
@click.option(
    "--strict",
    is_flag=True,
    help=f"Exit {EXIT_STRICT} if any source failed (the briefing is still written).",
)
def build(
    config_path: Path, out_dir: Path | None, formats: str | None, on: str | None, strict: bool
) -> None:
    """Build the briefing and write it in every requested format."""
    wanted = _formats(formats)
    day = _date(on)
    with _errors():
        from .build import build as run

        loaded = _load(config_path)
        result = run(loaded, out_dir=out_dir, formats=wanted, on=day)
        sources = {s.id: s for s in result.briefing.sources}
        log = logging.getLogger("digest")
        for status in result.briefing.statuses:
            where = sources[status.source_id].location
            if status.status.value in ("failed", "empty"):
                word = "failed" if status.status.value == "failed" else "is empty"
                log.warning("source %s (%s) %s: %s", status.source_id, where, word, status.reason)
            elif status.reason:
                log.info("source %s (%s): %s", status.source_id, where, status.reason)
        for path in result.written:
            click.echo(str(path))
        if strict and result.failed_sources:
            sys.exit(EXIT_STRICT)


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


def _logging(level: int) -> None:
    """Plain ``warning: …`` lines on stderr, the way cron mails and people read them."""
    logger = logging.getLogger("digest")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "digest_cli", False):
            logger.removeHandler(handler)
    handler = _ClickHandler()
    handler.digest_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(levelname_lower)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


class _ClickHandler(logging.Handler):
    """Writes through click, so CliRunner captures it like any other stderr output."""

    def emit(self, record: logging.LogRecord) -> None:
        record.levelname_lower = record.levelname.lower()
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # pragma: no cover - a broken stderr must not stop the briefing
            self.handleError(record)


@contextmanager
def _errors() -> Iterator[None]:
    from .errors import ConfigError, DigestError, NoSourcesError

    try:
        yield
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_USAGE)
    except NoSourcesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_NO_SOURCES)
    except DigestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FAILURE)

"""Command line: the only place that turns errors into messages and exit codes.

Exit codes: 0 built; 1 any other failure; 2 bad config or usage; 3 every source
failed (nothing written); 4 ``--strict`` and at least one source failed (the
briefing was still written); 5 another run holds the lock (nothing done); 6 the
briefing was written but could not be delivered by email.
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
    from .build import Analysis
    from .config import LoadedConfig
    from .models import Briefing

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NO_SOURCES = 3
EXIT_STRICT = 4
EXIT_LOCKED = 5
EXIT_UNDELIVERED = 6

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


def _format_option(help: str) -> Callable[[F], F]:
    """``--format text|json``, as every command that prints for people and tools has it."""

    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help=help,
        )(func)

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="digest", prog_name="digest")
@click.option("-v", "--verbose", is_flag=True, help="Also log progress (fetches, retries).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no warnings.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also append log lines (with times, at info level) to this file.",
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, quiet: bool, log_file: Path | None) -> None:
    """Turn a day's news on a story into a briefing: Markdown, HTML, PDF and JSON.

    Off a terminal (cron) only warnings and errors are printed, to stderr.
    """
    _logging(logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING, log_file)
    ctx.obj = {"verbose": verbose, "quiet": quiet}


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
@click.option("--email", is_flag=True, help="Also send the briefing by email (config email:).")
@click.option(
    "--eml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the email message to this file instead of sending it.",
)
@click.option(
    "--resend", is_flag=True, help="With --email: send even if this date was already sent."
)
@click.option(
    "--force",
    is_flag=True,
    help="Rebuild even if nothing is new since the last build of this date.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes for the per-document work (default: build.jobs, else one per "
    "core; 1: none). The briefing is the same with any number.",
)
@click.pass_context
def build(
    ctx: click.Context,
    config_path: Path,
    out_dir: Path | None,
    formats: str | None,
    on: str | None,
    strict: bool,
    email: bool,
    eml: Path | None,
    resend: bool,
    force: bool,
    jobs: int | None,
) -> None:
    """Build the briefing, write it in every requested format, and mail it if asked.

    A re-run that finds nothing new (every source as the last build of this date read
    it, the same config and templates, its files untouched) stops after fetching and
    leaves that build's files as they are; --force rebuilds anyway.
    """
    wanted = _formats(formats)
    day = _date(on)
    with _errors():
        from .build import BuildResult, EmailRequest, Unchanged
        from .build import build as run
        from .status import when

        def outcome(result: BuildResult | Unchanged | None, error: BaseException | None) -> int:
            if error is not None:
                return _exit_code(error)
            assert result is not None
            if isinstance(result, Unchanged):
                return EXIT_OK
            return EXIT_STRICT if strict and result.failed_sources else EXIT_OK

        loaded = _load(config_path)
        request = EmailRequest(eml, again=resend) if (email or eml) else None
        with _progress(ctx) as step:
            result = run(
                loaded,
                out_dir=out_dir,
                formats=wanted,
                on=day,
                email=request,
                outcome=outcome,
                progress=step,
                reuse=not force,
                jobs=jobs,
            )
        if isinstance(result, Unchanged):
            if _talkative(ctx):
                built = when(result.built, loaded)
                click.echo(f"nothing new since the build at {built} (--force rebuilds)", err=True)
                for path in result.written:
                    click.echo(str(path))
                if result.already_sent:
                    sent = when(result.already_sent, loaded)
                    click.echo(f"not sent: already sent at {sent} (--resend to send)")
            return
        _report_sources(result.briefing)
        if _talkative(ctx):
            for path in result.written:
                click.echo(str(path))
            if result.eml:
                click.echo(f"message written to {result.eml}")
            if result.emailed:
                click.echo(f"sent to {len(result.emailed)} recipient(s)")
            if result.already_sent:
                sent = when(result.already_sent, loaded)
                click.echo(f"not sent: already sent at {sent} (--resend to send)")
        code = outcome(result, None)
        if code:
            sys.exit(code)


@main.command()
@_config_option
@click.option(
    "--date",
    "on",
    metavar="YYYY-MM-DD",
    help="The briefing to send (default: the last one whose delivery failed, else today's).",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the briefing was written (default: output.directory).",
)
@click.option(
    "--eml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the message to this file instead of sending it.",
)
@click.pass_context
def send(
    ctx: click.Context, config_path: Path, on: str | None, out_dir: Path | None, eml: Path | None
) -> None:
    """Email a briefing that was already built, without reading any source."""
    day = _date(on)
    with _errors():
        from .build import send as deliver

        result = deliver(_load(config_path), on=day, out_dir=out_dir, eml=eml, outcome=_outcome)
        if _talkative(ctx):
            if result.eml:
                click.echo(f"message written to {result.eml}")
            else:
                click.echo(
                    f"briefing of {result.briefing_date} sent to "
                    f"{len(result.recipients)} recipient(s)"
                )


def _outcome(result: object, error: BaseException | None) -> int:
    """The exit code of a run that raised ``error`` (None: it did not)."""
    return EXIT_OK if error is None else _exit_code(error)


@main.command()
@_config_option
@_format_option("text for people; json for tools.")
@click.option(
    "-n",
    "--limit",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many runs and deliveries to show.",
)
def status(config_path: Path, fmt: str, limit: int) -> None:
    """Show the last runs with their exit codes, how each source has fared (failing since
    when) and the deliveries, from the state store. Times are in the briefing's time zone.

    `digest log` is the same command.
    """
    with _errors():
        from . import status as history

        report = history.gather(_load(config_path), limit)
        if fmt == "json":
            click.echo(json.dumps(history.as_json(report), ensure_ascii=False, indent=2))
            return
        for line in history.text(report):
            click.echo(line)


main.add_command(
    click.Command(
        "log",
        callback=status.callback,
        params=status.params,
        help=status.help,
        short_help="The same as status.",
        context_settings=status.context_settings,
    )
)


def _report_sources(briefing: Briefing) -> None:
    sources = {s.id: s for s in briefing.sources}
    log = logging.getLogger("digest")
    for status in briefing.statuses:
        where = sources[status.source_id].location
        if status.status.value in ("failed", "empty"):
            word = "failed" if status.status.value == "failed" else "is empty"
            log.warning("source %s (%s) %s: %s", status.source_id, where, word, status.reason)
        elif status.reason:
            log.info("source %s (%s): %s", status.source_id, where, status.reason)


def _talkative(ctx: click.Context) -> bool:
    """Print results only for a person: on a terminal, or when asked with -v."""
    options = ctx.find_root().obj or {}
    return not options.get("quiet") and (options.get("verbose") or sys.stdout.isatty())


@contextmanager
def _progress(ctx: click.Context) -> Iterator[Callable[[str], None] | None]:
    """A spinner naming the stage, on a terminal only; cron gets silence."""
    options = ctx.find_root().obj or {}
    if options.get("quiet") or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status("starting") as status:
        yield lambda stage: status.update(f"{stage}…")


@main.command()
@_config_option
def validate(config_path: Path) -> None:
    """Check the config; report every problem with file, line and field."""
    with _errors():
        from .config import access_problems
        from .errors import ConfigError

        loaded = _load(config_path)
        if problems := access_problems(loaded):  # what build would refuse, said now
            raise ConfigError(problems)
        config = loaded.config
        click.echo(
            f"{config_path}: OK ({len(config.sources)} sources, {len(config.sections)} sections)"
        )


@main.command()
@_config_option
@_format_option("text for people; json for tools (one object per line).")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Briefing date.")
def explain(config_path: Path, fmt: str, on: str | None) -> None:
    """Show every sentence: source, role, section, score and the terms that decided it."""
    day = _date(on)
    with _errors():
        from .build import analyze
        from .learn import learned_terms
        from .text import sentence_id

        loaded = _load(config_path)
        analysis = analyze(loaded, on=day)
        for scored in analysis.scored:
            s = scored.sentence
            if fmt == "json":
                record = {
                    "id": sentence_id(s.text),
                    "source": s.source_id,
                    "doc": s.doc_id,
                    "index": s.index,
                    "role": s.role.value,
                    "section": scored.section if s.role.value == "content" else None,
                    "score": scored.score,
                    "text": " ".join(s.text.split()),
                    "terms": list(scored.reasons),
                    "learned": learned_terms(scored),
                    "threshold": scored.threshold,
                    "scores": dict(scored.scores),
                }
                click.echo(json.dumps(record, ensure_ascii=False))
            else:
                if s.role.value == "content":
                    label = f"{scored.section:<16} {scored.score:6.2f}"
                else:
                    label = f"{'[' + s.role.value + ']':<16} {'':6}"
                why = f"  ({', '.join(scored.reasons)})" if scored.reasons else ""
                sid = sentence_id(s.text)
                click.echo(f"{sid} {s.source_id}#{s.index:<3} {label}  {s.text}{why}")
        _explain_items(analysis, loaded, fmt)
        for status in analysis.statuses:
            if status.reason:
                click.echo(f"source {status.source_id}: {status.status}: {status.reason}", err=True)


def _explain_items(analysis: Analysis, loaded: LoadedConfig, fmt: str) -> None:
    """Why each top line and shown item is there: its news signals, and how its wording
    was edited to stand alone, who else is cited, and where sources differ."""
    from . import normalize, salience
    from .text import Stemmer

    rules = normalize.Rules.make(loaded.config.boilerplate.patterns)
    sentences = normalize.normalize_all(list(analysis.documents), rules)
    why = salience.explainer(sentences, Stemmer())
    briefing = analysis.briefing
    shown = [("top", i) for i in briefing.top_lines] + [
        (s.id, i) for s in briefing.sections for i in s.items
    ]
    if fmt == "text" and shown:
        click.echo("\nWhy each shown item is there (news: lead, title, sources, echo, figures):")
    for place, item in shown:
        signals = why(item)
        if fmt == "json":
            record = {
                "shown": place,
                "id": item.id,
                "section": item.section,
                "text": item.text,
                "original": item.original,
                "standalone": item.standalone,
                "news": item.news,
                "signals": list(signals.why),
                "sources": list(item.source_numbers),
                "beside": [c.number for c in item.beside],
                "differs": item.differs,
            }
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        marks = " ".join(f"[{n}]" for n in item.source_numbers)
        click.echo(f"{place:<16} news {item.news:6.2f}  {item.text} {marks}")
        click.echo(f"{'':16}   ({', '.join(signals.why) or 'no news signal'})")
        if item.original:
            click.echo(f"{'':16}   edited to stand alone; the source wrote: {item.original}")
        if not item.standalone:
            click.echo(f"{'':16}   leans on an earlier sentence the reader does not see")
        for c in item.beside:
            click.echo(f"{'':16}   [{c.number}] worded it otherwise, shown beside: {c.text}")
        if item.differs:
            click.echo(f"{'':16}   {item.differs}")


@main.command()
@_config_option
@click.argument("pairs", nargs=-1, required=True, metavar="ID SECTION [ID SECTION ...]")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Briefing date (whose sentences).")
def teach(config_path: Path, pairs: tuple[str, ...], on: str | None) -> None:
    """Say where sentences belong: each ID (from `digest explain` or the briefing's JSON and
    HTML) goes to SECTION (a section id, or `other` to leave it out of the sections).

    Corrections go to `classify.examples_file` beside the config (never the config
    itself), as examples the next builds follow, for that sentence and sentences like it.
    """
    day = _date(on)
    if len(pairs) % 2:
        raise click.UsageError("give pairs: ID SECTION [ID SECTION ...]")
    with _errors():
        from . import teach as teaching
        from .build import analyze
        from .config import access_problems
        from .errors import ConfigError
        from .models import Role
        from .text import sentence_id

        loaded = _load(config_path)
        if problems := access_problems(loaded):  # teach only what validate accepts
            raise ConfigError(problems)
        config = loaded.config
        sections = [s.id for s in config.sections] + ["other"]
        analysis = analyze(loaded, on=day)
        known = {
            sentence_id(s.sentence.text): s.sentence.text
            for s in analysis.scored
            if s.sentence.role is Role.CONTENT
        }
        wrong = []
        corrections = []
        for sid, section in zip(pairs[::2], pairs[1::2], strict=True):
            if sid not in known:
                hint = teaching.did_you_mean(sid, sorted(known))
                wrong.append(f"unknown sentence id {sid!r}{hint} (see `digest explain`)")
            if section not in sections:
                hint = teaching.did_you_mean(section, sections)
                wrong.append(f"unknown section {section!r}{hint} (sections: {', '.join(sections)})")
            if sid in known and section in sections:
                corrections.append((known[sid], section))
        if wrong:
            for message in wrong:
                click.echo(f"error: {message}", err=True)
            sys.exit(EXIT_USAGE)
        today = config.briefing.today()
        path = loaded.examples_path
        teaching.write(path, teaching.record(loaded.examples, corrections, today))
        for text, section in corrections:
            click.echo(f"{sentence_id(text)} → {section}: {text}")
        click.echo(f"recorded in {path}")


@main.command()
@_config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--limit", default=8, show_default=True, help="Terms to suggest per section.")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Briefing date.")
def suggest(config_path: Path, as_json: bool, limit: int, on: str | None) -> None:
    """Suggest keywords from the sources, and name the keywords that mislead.

    Reads the sources as a build would. For each section: words that the day's
    sentences tie to it but no keyword covers, each with a weight to add it with and
    how many sentences would change section; then keywords whose sentences go, on
    their other words, to another section, and how many would move without them.
    """
    day = _date(on)
    with _errors():
        from dataclasses import asdict

        from .suggest import MIN_LEARNED, MIN_SENTENCES
        from .suggest import suggest as run

        loaded = _load(config_path)
        found = run(loaded, on=day, limit=limit)
        if as_json:
            record = {
                "sentences": found.sentences,
                "sections": {
                    s.id: {
                        "add": [asdict(x) for x in found.add.get(s.id, ())],
                        "mislead": [asdict(x) for x in found.mislead.get(s.id, ())],
                    }
                    for s in loaded.config.sections
                },
            }
            click.echo(json.dumps(record, ensure_ascii=False, indent=2))
            return
        click.echo(
            f"{found.sentences} content sentences read from the sources. Suggested: words in "
            f"at least {MIN_SENTENCES} of them that lean to a section by {MIN_LEARNED} or more "
            "(0: chance, 1: only there); a day's worth of articles gives the most."
        )
        for section in loaded.config.sections:
            click.echo(f"\n{section.id} ({section.title})")
            adds = found.add.get(section.id, ())
            if not adds:
                click.echo("  nothing to add")
            for x in adds:
                origin = ", ".join(f"{n} from {k}" for k, n in sorted(x.moved_from.items()))
                click.echo(
                    f"  add      {x.term + ':':<22} {x.weight:g}   in {x.sentences} sentences, "
                    f"learned {x.learned:.2f}; moves {x.moves}" + (f" ({origin})" if origin else "")
                )
            for x in found.mislead.get(section.id, ()):
                click.echo(
                    f"  misleads {x.term + ':':<22} {x.weight:g}   its {x.sentences} sentences "
                    f"lean {x.leans} ({x.learned:.2f}); without it {x.moves} would move"
                )


@main.command()
@click.argument(
    "folder", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]"
)
def init(folder: Path) -> None:
    """Start a briefing in DIR (default: here): a commented config.yaml with a feed, a
    page, a folder of notes, two sections, output and state (email commented out), and
    a sample note in samples/ for the notes to read. It builds as it is; edit it to fit.

    Never overwrites a config (exit 2). The time zone is this machine's.
    """
    with _errors():
        from .starter import init as start

        written = start(folder)
        for path in written:
            click.echo(f"wrote {path}")
        config = folder / "config.yaml"
        at = "" if config == Path("config.yaml") else f" -c {config}"
        click.echo(
            "Next, check it, see how the sources are sorted, and build it:\n"
            f"  digest validate{at}\n  digest explain{at}\n  digest suggest{at}\n"
            f"  digest build{at}"
        )


@main.group("sources")
def sources_group() -> None:
    """Work with the config's sources."""


@sources_group.command("import")
@_config_option
@click.argument("opml_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="NAME",
    help="Only the feeds in this folder of the OPML file (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be added; write nothing.")
def import_opml(
    config_path: Path, opml_file: Path, categories: tuple[str, ...], dry_run: bool
) -> None:
    """Add the feeds of a feed reader's OPML export to the config, as feed sources.

    The feeds are appended to the sources: list as text, so the file's comments and
    layout stay; feeds already there (by URL) are skipped. The result is checked before
    it is written, and nothing is written if it would not be valid.
    """
    with _errors():
        from .opml import import_file

        done = import_file(config_path, opml_file, categories, dry_run=dry_run)
        for feed in done.added:
            click.echo(
                f"{'would add' if dry_run else 'added'}: {feed.title or feed.url} <{feed.url}>"
            )
        for feed in done.present:
            click.echo(f"already there: {feed.title or feed.url} <{feed.url}>")
        for reason in done.skipped:
            click.echo(f"skipped: {reason}")
        outside = f", {done.outside} outside the categories asked for" if done.outside else ""
        verb = "written to" if done.written else "nothing written to"
        click.echo(
            f"{len(done.added)} feed(s) {'to add' if dry_run else 'added'}, "
            f"{len(done.present)} already there{outside}; {verb} {config_path}"
        )


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
    from .config import check_date

    try:
        day = Date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None
    try:
        return check_date(day)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--date") from None


def _logging(level: int, log_file: Path | None = None) -> None:
    """Plain ``warning: …`` lines on stderr, the way cron mails and people read them;
    with a log file, timed lines at info level there too."""
    logger = logging.getLogger("digest")
    for handler in list(logger.handlers):
        if getattr(handler, "digest_cli", False):
            logger.removeHandler(handler)
            handler.close()
    to_stderr = _ClickHandler()
    to_stderr.setLevel(level)
    to_stderr.setFormatter(logging.Formatter("%(levelname_lower)s: %(message)s"))
    handlers: list[logging.Handler] = [to_stderr]
    if log_file is not None:
        try:  # opened now: a log file that cannot be written stops the run before it starts
            to_file = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(
                f"cannot write to {log_file}: {exc.strerror or exc}", param_hint="--log-file"
            ) from None
        to_file.setLevel(min(level, logging.INFO))
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handlers.append(to_file)
    for each in handlers:
        each.digest_cli = True  # type: ignore[attr-defined]
        logger.addHandler(each)
    logger.setLevel(min(h.level for h in handlers))
    logger.propagate = False


class _ClickHandler(logging.Handler):
    """Writes through click, so CliRunner captures it like any other stderr output."""

    def emit(self, record: logging.LogRecord) -> None:
        record.levelname_lower = record.levelname.lower()
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # pragma: no cover - a broken stderr must not stop the briefing
            self.handleError(record)


def _exit_code(error: BaseException) -> int:
    """The one place an error becomes an exit code."""
    from .errors import ConfigError, LockError, NoSourcesError, SendError

    if isinstance(error, ConfigError):
        return EXIT_USAGE
    if isinstance(error, NoSourcesError):
        return EXIT_NO_SOURCES
    if isinstance(error, LockError):
        return EXIT_LOCKED
    if isinstance(error, SendError):
        return EXIT_UNDELIVERED
    return EXIT_FAILURE


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
        sys.exit(_exit_code(exc))

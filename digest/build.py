"""The pipeline, top to bottom: sources → extract → normalize → classify → dedupe →
select → render → deliver. Each stage is a module; this file only wires them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import dedupe, deliver, extract, figures, normalize, people, render, screen, select, sources
from .classify import Classifier
from .config import BriefingConfig, LoadedConfig
from .errors import NoSourcesError, SourceError
from .models import Briefing, Document, Scored, SourceInfo, SourceStatus, Status, Window
from .text import Stemmer


@dataclass(frozen=True)
class Analysis:
    """Everything known before rendering; ``digest explain`` prints it."""

    sources: tuple[SourceInfo, ...]
    statuses: tuple[SourceStatus, ...]
    scored: tuple[Scored, ...]
    briefing: Briefing


@dataclass(frozen=True)
class BuildResult:
    briefing: Briefing
    written: tuple[Path, ...]

    @property
    def failed_sources(self) -> tuple[SourceStatus, ...]:
        return tuple(s for s in self.briefing.statuses if s.status is Status.FAILED)


def analyze(
    loaded: LoadedConfig, *, on: Date | None = None, now: datetime | None = None
) -> Analysis:
    config = loaded.config
    day = on or config.briefing.date or config.briefing.today()
    zone = ZoneInfo(config.briefing.timezone)
    window = _window(config.briefing, day, now or datetime.now(zone))
    collected = sources.collect(loaded, window, zone)
    documents, statuses = _extract(collected)
    documents, statuses = screen.screen(documents, statuses, window, zone)
    sentences = normalize.normalize_all(
        documents, normalize.Rules.make(config.boilerplate.patterns)
    )
    stemmer = Stemmer()
    hints = {s.id: s.sections for s in collected.sources}
    scored = Classifier(config.sections, config.classify, stemmer, hints).classify(sentences)
    items = dedupe.merge(scored, collected.sources, stemmer, documents)
    notes = {s.id: loaded.note(s) for s in config.sections}
    sections, other, top = select.select(items, config.sections, notes, config.select, stemmer)
    watchlist = [people.Watch(w.name, tuple(w.aliases), w.role) for w in config.people.watchlist]
    briefing = Briefing(
        title=config.briefing.title,
        subtitle=config.briefing.subtitle,
        date=day,
        timezone=config.briefing.timezone,
        sections=sections,
        sources=collected.sources,
        statuses=statuses,
        note=loaded.note(config.briefing),
        other=other,
        window_start=window.start,
        window_end=window.end if window.start else None,
        top_lines=top,
        figures=figures.extract(scored, collected.sources, limit=config.figures.limit),
        people=people.find(
            sentences, collected.sources, watchlist, limit=config.people.limit, documents=documents
        ),
    )
    return Analysis(collected.sources, statuses, tuple(scored), briefing)


def build(
    loaded: LoadedConfig,
    *,
    out_dir: Path | None = None,
    formats: Sequence[str] | None = None,
    on: Date | None = None,
) -> BuildResult:
    """Build the briefing and write it; every format is rendered before anything is written."""
    config = loaded.config
    briefing = analyze(loaded, on=on).briefing
    if all(s.status is Status.FAILED for s in briefing.statuses):
        raise NoSourcesError([(s.source_id, s.reason or "failed") for s in briefing.statuses])
    templates = loaded.resolve(config.output.templates) if config.output.templates else None
    outputs = render.render(briefing, formats or config.output.formats, templates)
    directory = out_dir or loaded.resolve(config.output.directory)
    stem = config.output.file_name.format(date=briefing.date.isoformat())
    written = deliver.write_outputs(outputs, directory, stem)
    return BuildResult(briefing, tuple(written))


def _window(settings: BriefingConfig, day: Date, now: datetime) -> Window:
    """Today's briefing covers up to now; a past day's, up to that day's midnight."""
    zone = ZoneInfo(settings.timezone)
    end = min(now.astimezone(zone), datetime.combine(day + timedelta(days=1), time(), zone))
    return Window.ending(end, settings.window_span, settings.undated)


def _extract(collected: sources.Collected) -> tuple[list[Document], tuple[SourceStatus, ...]]:
    """Extract every document; a document that cannot be read fails its source, not the run.

    A document with no text at all (an entry that is only an image) is skipped and
    counted, so a source is never "ok" while contributing nothing.
    """
    documents: list[Document] = []
    errors: dict[str, list[str]] = {}
    blank: Counter[str] = Counter()
    for raw in collected.documents:
        try:
            document = extract.extract(raw)
        except SourceError as exc:
            errors.setdefault(raw.source_id, []).append(f"{raw.doc_id}: {exc}")
            continue
        if document.blocks:
            documents.append(document)
        else:
            blank[raw.source_id] += 1
    statuses = []
    for status in collected.statuses:
        failures = errors.get(status.source_id, [])
        skipped = blank[status.source_id]
        if failures or skipped:
            left = status.documents - len(failures) - skipped
            notes = [status.reason] if status.reason else []
            if skipped:
                notes.append(f"{skipped} document(s) without text skipped")
            if failures:
                shown = "; ".join(failures)
                notes.append(shown if left == 0 else f"{len(failures)} unreadable: {shown}")
            state = status.status
            if left == 0:
                state = Status.FAILED if failures else Status.EMPTY
            status = replace(status, status=state, documents=left, reason="; ".join(notes))
        statuses.append(status)
    return documents, tuple(statuses)

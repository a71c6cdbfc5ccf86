"""The pipeline, top to bottom: sources → extract → screen → normalize → classify →
dedupe → (history) → select → figures/people → render → deliver (files, then email).
Each stage is a module; this file only wires them.

A build holds the run lock and records itself in the state store, so cron may fire
it at will: an overlapping run stops at once, a killed one leaves the last briefing
and the store as they were (files are renamed into place, the store commits per step).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import hashlib
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date as Date
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from . import (
    dedupe,
    deliver,
    figures,
    learn,
    lock,
    mail,
    people,
    publish,
    reading,
    render,
    salience,
    screen,
    select,
    sources,
    standalone,
    state,
    teach,
)
from .classify import OTHER, Classifier
from .config import BriefingConfig, EmailConfig, LoadedConfig
from .errors import (
    ConfigError,
    ConfigProblem,
    DeliveryError,
    NoSourcesError,
    SendError,
)
from .executor import Executor, Inline, Job, Pool, Settings, batches, call, cores, running
from .models import (
    Briefing,
    Document,
    Item,
    Person,
    RawDocument,
    Role,
    Scored,
    Sentence,
    SourceInfo,
    SourceStatus,
    Status,
    Window,
)
from .status import when
from .text import Stemmer

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Analysis:
    """Everything known before rendering; ``digest explain`` prints it."""

    sources: tuple[SourceInfo, ...]
    statuses: tuple[SourceStatus, ...]
    scored: tuple[Scored, ...]
    briefing: Briefing
    documents: tuple[Document, ...] = ()  # without their blocks, unless ``explain``
    stable_until: datetime | None = None  # the window's contents change then (None: never)


@dataclass(frozen=True)
class EmailRequest:
    """Send the briefing by email after writing it, or write the message to ``eml``.

    A briefing date already delivered is not sent again unless ``again`` is set: cron
    re-running a day (or a rebuild by hand) must not mail readers twice.
    """

    eml: Path | None = None
    again: bool = False


@dataclass(frozen=True)
class BuildResult:
    briefing: Briefing
    written: tuple[Path, ...]
    outputs: dict[str, bytes] = field(default_factory=dict, repr=False)
    emailed: tuple[str, ...] = ()  # recipients the message went to
    eml: Path | None = None
    already_sent: datetime | None = None  # not sent: this date went out then

    @property
    def failed_sources(self) -> tuple[SourceStatus, ...]:
        return tuple(s for s in self.briefing.statuses if s.status is Status.FAILED)


@dataclass(frozen=True)
class Unchanged:
    """A re-run that found nothing new: the files the build at ``built`` wrote stand."""

    built: datetime
    written: tuple[Path, ...]
    already_sent: datetime | None = None  # asked to email: this date went out then


class _NothingNew(Exception):  # a signal out of the source stage, not an error
    def __init__(self, result: Unchanged) -> None:
        self.result = result


History = Callable[[Sequence[Item], Date], list[Item]]
Progress = Callable[[str], None]


def analyze(
    loaded: LoadedConfig,
    *,
    on: Date | None = None,
    now: datetime | None = None,
    history: History | None = None,
    progress: Progress | None = None,
    stemmer: Stemmer | None = None,
    check: sources.Check | None = None,
    encodings: Encodings | None = None,
    executor: Executor | None = None,
    explain: bool = True,
) -> Analysis:
    """Everything up to rendering. ``history`` marks items earlier briefings carried;
    ``stemmer`` is the run's (the state store's, so words are stemmed once a run);
    ``check`` sees the sources' fingerprint before they are parsed, and may stop the run;
    ``encodings`` keeps the encoder's vectors between runs; ``executor`` runs the
    per-document work (default: all of it in this process). Without ``explain`` (a
    build), each sentence's scores and reasons are let go once its section is final, and
    ``Analysis.scored`` is empty: what ``explain`` and ``suggest`` read, a build does not."""
    config = loaded.config
    _one_heap()
    step = progress or (lambda _: None)
    step("reading sources")
    day = on or config.briefing.date or config.briefing.today()
    zone = ZoneInfo(config.briefing.timezone)
    window = _window(config.briefing, day, now or datetime.now(zone))
    handed = [sources.collect(loaded, window, zone, check, executor)]  # no reference kept here
    with _collector_paused():
        return _analyze(
            loaded,
            handed,
            day,
            window,
            zone,
            history,
            step,
            stemmer or Stemmer(),
            encodings,
            executor or Inline(),
            explain,
        )


def _analyze(
    loaded: LoadedConfig,
    handed: list[sources.Collected],
    day: Date,
    window: Window,
    zone: ZoneInfo,
    history: History | None,
    step: Progress,
    stemmer: Stemmer,
    encodings: Encodings | None = None,
    executor: Executor | None = None,
    explain: bool = True,
) -> Analysis:
    """The stages after the sources'. ``handed`` holds what they collected, given over so
    that the raw bytes go once read (on a large day, tens of megabytes); likewise each
    list below is let go once the next stage has what it needs of it."""
    config = loaded.config
    step("reading documents")
    collected = handed.pop()
    hints = {s.id: s.sections for s in collected.sources}
    patterns = config.boilerplate.patterns
    reader = reading.Reader.make(patterns, config.sections, config.classify, hints, stemmer)
    reads, statuses = _extract(collected, reader, executor or Inline())
    collected = replace(collected, documents=())
    documents = [r.document for r in reads if r.document is not None]
    stable_until = _stable_until(documents, window, day, zone)
    documents, statuses = screen.screen(documents, statuses, window, zone)
    step("sorting sentences")
    by_document = {id(r.document): r for r in reads}
    del reads
    kept = [by_document[id(d)] for d in documents]
    del by_document
    scored = [item for read in kept for item in read.scored]
    sentences = [item.sentence for item in scored]
    none: reading.Parsed = []  # what most sentences state: one list for all (never changed)
    parsed = {item.sentence.text: none for item in scored if item.sentence.role is Role.CONTENT}
    for read in kept:  # what the workers made once, not made again here
        stemmer.remember(read.stems)
        parsed.update(read.quantities)
    del kept
    _give_back()  # the documents' raw bytes and batches as the workers sent them
    run = executor or Inline()
    watchlist = [people.Watch(w.name, tuple(w.aliases), w.role) for w in config.people.watchlist]
    # The who's who depends on no stage after its own: a worker finds it while this
    # process learns, merges and selects (inline: found here, at the end, as before).
    # With a pool, a forked copy of this process: sent to a worker, the pickled sentences
    # (20 MB at 10,000 articles) stayed in this process, held by the queue's thread.
    heads = [_head(d) for d in documents]  # what the who's who reads of them
    if not explain:  # a build: their text is in the sentences now (explain reads it again)
        documents = heads
    job: Job[tuple[Person, ...]] = (
        people.find,
        (sentences, collected.sources, watchlist),
        {"limit": config.people.limit, "documents": heads},
    )
    del heads
    if isinstance(run, Pool):
        found_people = run.aside(call, job)
    else:
        sent = run.map(call, [job], units=len(documents))
        found_people = functools.partial(next, sent)
    classifier = Classifier(config.sections, config.classify, stemmer, hints)
    unexplained: dict[str, float] = {}  # one for all, never changed
    if config.classify.learn:
        taught = bool(loaded.examples) or any(s.examples for s in config.sections)
        scored = learn.refine(
            scored,
            config.sections,
            config.classify,
            stemmer,
            explain=explain,
            # a build without examples: nothing after reads every section's score
            scores=None if explain or taught else unexplained,
        )
    scored = teach.apply(
        scored,
        loaded.examples,
        config.sections,
        config.classify,
        stemmer,
        _vectors(loaded, encodings),
        _scorer(classifier),
    )
    if not explain:
        scored = [s if s.scores is unexplained else _decided(s, unexplained) for s in scored]
    quantities = reading.Quantities(parsed)  # dedupe, salience and figures read them
    # The key figures read every scored sentence and quantity, and nothing the stages
    # below make: with a pool, a forked copy of this process finds them meanwhile.
    finding_figures = run.aside(
        figures.extract,
        scored,
        collected.sources,
        limit=config.figures.limit,
        stemmer=stemmer,
        quantities=quantities,
    )
    _give_back()  # what learning counted with
    items = dedupe.merge(scored, collected.sources, stemmer, documents, quantities)
    _give_back()  # what merging compared
    if history is not None:
        items = history(items, day)
        if config.state.repeated == "hide":
            items = [i for i in items if i.is_new]
        elif config.state.repeated == "show":
            items = [replace(i, first_reported=None) for i in items]
    items = standalone.edit(items, sentences, skip=OTHER)
    step("choosing items")
    items = salience.weigh(items, sentences, stemmer, quantities, skip=OTHER)
    del sentences
    key_figures = finding_figures()
    del finding_figures  # inline, it held what the next line lets go
    kept_scored = tuple(scored) if explain else ()
    del scored, parsed, quantities
    if not explain:
        stemmer.forget_texts()  # the store stems the few items shown again, if it must
    notes = {s.id: loaded.note(s) for s in config.sections}
    sections, other, top = select.select(items, config.sections, notes, config.select, stemmer)
    _give_back()  # before rendering, which writes tens of megabytes
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
        figures=key_figures,
        people=found_people(),
        tracked=history is not None,
    )
    return Analysis(
        collected.sources, statuses, kept_scored, briefing, tuple(documents), stable_until
    )


def _one_heap() -> None:
    """Let every thread allocate from the C heap the build's own thread uses (glibc's
    ``M_ARENA_MAX``; elsewhere nothing). With workers, a pool's thread unpickles every
    batch they send: in a heap of its own, the memory those objects leave when let go
    was of no use to the stages after (10,000 articles, two jobs: peak RSS 452 MB,
    414 in one heap). The threads allocate little else: no contention to speak of."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(-8, 1)  # M_ARENA_MAX, malloc.h


def _give_back() -> None:
    """Return the C heap's free pages to the system after a stage let much go (glibc's
    ``malloc_trim``; elsewhere nothing). glibc keeps what is freed for the next
    allocations, but the stages after differ in what they allocate, so it stayed unused
    in the process: at 10,000 articles, 20 to 45 MB a stage, 395 MB at the peak, not
    419 (measured with /proc/self/status after each stage)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library, if it is glibc (musl, macOS and Windows have no ``malloc_trim``)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None)
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def _head(document: Document) -> Document:
    """A document without its blocks, once its sentences are made: what the who's who
    and dedupe's citations read of it (URL, title, date) and the state store's keys and
    hash, carried over (they are made from the blocks). At 10,000 articles the blocks
    held 23 MB through every stage after."""
    head = replace(document, blocks=())
    head.__dict__["digests"] = document.digests  # where functools.cached_property keeps it
    return head


def _decided(item: Scored, unexplained: Mapping[str, float]) -> Scored:
    """A sentence as the stages after classification read it: its section and score, and
    whether a correction placed it (dedupe leads with that); not every section's score
    nor the reasons, which only ``explain`` shows (a build of 10,000 articles holds
    100,000 of them, 60 MB)."""
    taught = item.reasons[:1] if item.taught else ()
    return Scored(item.sentence, item.section, item.score, unexplained, taught, item.threshold)


class Encodings(Protocol):
    """Where vectors are kept between runs (the state store)."""

    def encodings(self, model_id: str, ids: Iterable[str]) -> dict[str, Vector]:
        """The vectors it has of these sentence ids under this model."""

    def save_encodings(self, model_id: str, vectors: Mapping[str, Vector]) -> None:
        """Keep these vectors."""


def _vectors(loaded: LoadedConfig, cache: Encodings | None) -> teach.Vectors | None:
    """The encoder's sentence vectors, when the config names one and there are examples
    to compare with (without examples it would add nothing: measured, issue 19). With a
    ``cache``, a sentence is encoded once per model, ever: a re-run and tomorrow's
    repeated sentences cost a lookup, and the model is loaded only for what is missing."""
    settings = loaded.config.classify
    inline = any(s.examples for s in loaded.config.sections)
    if settings.encoder is None or not (loaded.examples or inline):
        return None
    import numpy as np

    from .encoder import Encoder, check
    from .text import sentence_id

    folder = loaded.resolve(settings.encoder)
    model_id = check(folder, settings.encoder_sha256)
    loaded_model: list[Encoder] = []

    def encode(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        ids = [sentence_id(t) for t in texts]
        known = cache.encodings(model_id, ids) if cache is not None else {}
        missing = {i: t for i, t in zip(ids, texts, strict=True) if i not in known}
        if missing:
            if not loaded_model:
                loaded_model.append(Encoder.load(folder, settings.encoder_sha256))
            fresh = loaded_model[0].encode(list(missing.values()))
            made = dict(zip(missing, fresh, strict=True))
            if cache is not None:
                cache.save_encodings(model_id, made)
            known = {**known, **made}
        if not ids:
            return np.zeros((0, loaded_model[0].dim if loaded_model else 0), dtype=np.float32)
        return np.stack([known[i] for i in ids])

    return encode


def _scorer(classifier: Classifier) -> teach.Score:
    """The keyword layer's scores of example sentences that are not in today's articles:
    each read alone, as a one-sentence article (a document of its own: no neighbours)."""

    def score(texts: Sequence[str]) -> list[Scored]:
        return classifier.classify(
            [Sentence("example", f"e{n}", Role.CONTENT, text, 0, 0) for n, text in enumerate(texts)]
        )

    return score


Outcome = Callable[[BuildResult | Unchanged | None, BaseException | None], int]


def build(
    loaded: LoadedConfig,
    *,
    out_dir: Path | None = None,
    formats: Sequence[str] | None = None,
    on: Date | None = None,
    email: EmailRequest | None = None,
    outcome: Outcome | None = None,
    progress: Progress | None = None,
    reuse: bool = False,
    jobs: int | None = None,
) -> BuildResult | Unchanged:
    """Build the briefing, write it, and mail it if asked, under the run lock.

    ``outcome`` is how the caller will report the run (its exit code); the state store
    records it with the run, whether the build succeeds or fails. With ``reuse``, a run
    whose every input is as the last build of this config and date found it (the same
    bytes from every source, config, templates, formats and history, and a window that
    still holds the same documents), and whose files are still as that build wrote them,
    stops once the sources are fetched and returns :class:`Unchanged`. ``jobs`` overrides
    ``build.jobs``: the worker processes that share the per-document work.
    """
    config = loaded.config
    if email is not None:
        _email_needed(loaded, "build --eml" if email.eml else "build --email")
    store_path = loaded.resolve(config.state.path)
    day = on or config.briefing.date or config.briefing.today()
    with (
        lock.hold(store_path.with_name(store_path.name + ".lock")),
        state.Store.open(store_path) as store,
        _recorded(store, loaded, day, "build", outcome) as run,
        running(executor_settings(loaded, jobs)) as workers,
    ):
        run.result = _build(
            loaded, store, run.id, day, out_dir, formats, email, progress, reuse, workers
        )
        return run.result


def executor_settings(loaded: LoadedConfig, jobs: int | None = None) -> Settings:
    """The config's ``build`` settings, ``jobs`` (``--jobs``) over ``build.jobs``."""
    settings = loaded.config.build
    return Settings(
        jobs=jobs or settings.jobs or cores(),
        kind=settings.executor,
        scheduler=settings.scheduler,
        connect_timeout=settings.connect_timeout,
    )


@dataclass
class _Run:
    """A run being recorded: its id, and what it returned once it has."""

    id: int
    result: BuildResult | Unchanged | SendResult | None = None


@contextmanager
def _recorded(
    store: state.Store,
    loaded: LoadedConfig,
    day: Date,
    command: str,
    outcome: Callable[[Any, BaseException | None], int] | None,
) -> Iterator[_Run]:
    """Record a run (build or send) in the store, and how it ended whatever happens: the
    exit code ``outcome`` says the caller will report, and the error it ended with, so
    ``digest status`` can tell why a cron run failed."""
    run = _Run(store.begin_run(_now(), day, loaded.identity, command))
    error: BaseException | None = None
    try:
        yield run
    except BaseException as exc:
        error = exc
        raise
    finally:
        result = run.result
        built = result if isinstance(result, BuildResult) else None
        statuses = built.briefing.statuses if built else ()
        if isinstance(error, NoSourcesError):  # every source failed: each one's reason counts
            statuses = tuple(SourceStatus(i, Status.FAILED, 0, why) for i, why in error.failures)
        message = None
        if error is not None:
            message = str(error) or type(error).__name__  # KeyboardInterrupt says nothing
        elif isinstance(result, Unchanged):
            message = "nothing new"
        elif isinstance(result, SendResult | BuildResult) and result.eml is not None:
            message = f"message written to {result.eml}"
        store.finish_run(
            run.id,
            finished=_now(),
            exit_code=outcome(result, error) if outcome else int(error is not None),
            statuses=statuses,
            outputs=built.written if built else (),
            message=message,
        )


def _build(
    loaded: LoadedConfig,
    store: state.Store,
    run: int,
    day: Date,
    out_dir: Path | None,
    formats: Sequence[str] | None,
    email: EmailRequest | None,
    progress: Progress | None,
    reuse: bool = False,
    workers: Executor | None = None,
) -> BuildResult | Unchanged:
    """One run, top to bottom; every format is rendered before anything is written."""
    config = loaded.config
    step = progress or (lambda _: None)
    wanted: list[str] = list(formats or config.output.formats)
    directory = out_dir or loaded.resolve(config.output.directory)
    inputs = _Inputs(loaded, store, day, wanted, directory, email if reuse else None)
    try:
        analysis = analyze(
            loaded,
            on=day,
            history=store.mark,
            progress=progress,
            stemmer=store.stemmer,
            check=inputs.check if reuse else inputs.note,
            encodings=store,
            executor=workers,
            explain=False,
        )
    except _NothingNew as nothing:
        built = when(nothing.result.built, loaded)
        log.info("nothing new since the build at %s; its files stand", built)
        return nothing.result
    briefing = analysis.briefing
    if all(s.status is Status.FAILED for s in briefing.statuses):
        raise NoSourcesError([(s.source_id, s.reason or "failed") for s in briefing.statuses])
    store.note_documents(run, analysis.documents)
    step("rendering")
    attach: list[str] = list(config.email.attach) if email and config.email else []
    stem = config.output.file_name.format(date=briefing.date.isoformat())
    with _heap_frozen():
        outputs = render.render(
            briefing,
            list(dict.fromkeys(wanted + attach)),
            _templates(loaded),
            config.output.pdf,
            beside=workers,
        )
        extra = publish.files(config.output, briefing, directory, stem, wanted, _templates(loaded))
    written = deliver.write_outputs(
        {f: outputs[f] for f in wanted},
        directory,
        stem,
        archive=config.output.archive,
        latest=config.output.latest,
        extra=extra,
    )
    store.record_items(run, briefing.date, briefing.shown_items)
    inputs.record(run, analysis, written, outputs, extra)
    log.info(
        "built the briefing of %s: %d new of %d items; wrote %s",
        briefing.date,
        briefing.new_items,
        len(briefing.shown_items),
        ", ".join(str(p) for p in written),
    )
    result = BuildResult(briefing, tuple(written), outputs)
    if email is None:
        return result
    step("sending email")
    return _mail(loaded, store, run, result, email, stem)


class _Inputs:
    """The fingerprint of a build's inputs, and the reuse of an earlier build's files.

    A cron job re-running a briefing when nothing changed should cost a few requests
    answered 304, not a rebuild (issue 7: 1.5 s where a rebuild of 10,000 articles
    takes 40). The fingerprint covers every input the briefing depends on, so that
    whenever it matches, a rebuild would write the same briefing; only the times on
    the date line, which say when it was built, would move.
    """

    def __init__(
        self,
        loaded: LoadedConfig,
        store: state.Store,
        day: Date,
        formats: Sequence[str],
        directory: Path,
        email: EmailRequest | None,
    ) -> None:
        self.loaded = loaded
        self.store = store
        self.day = day
        self.formats = formats
        self.directory = directory
        self.email = email
        self.fingerprint: str | None = None

    def note(self, sources_fingerprint: str) -> None:
        """Remember the fingerprint, for the record the build leaves."""
        loaded = self.loaded
        total = hashlib.sha256()
        for part in (
            sources._version(),
            loaded.identity,
            loaded.config.model_dump_json(exclude={"build"}),  # where it runs changes nothing
            self.day.isoformat(),
            ",".join(self.formats),
            str(self.directory.resolve()),
            _folder_hash(_templates(loaded), skip=self._written_folders()),
            _folder_hash(render.builtin_templates()),
            self.store.history_mark(self.day),
            sources_fingerprint,
        ):
            total.update(part.encode("utf-8", "surrogatepass") + b"\0")
        self.fingerprint = total.hexdigest()

    def _written_folders(self) -> tuple[Path, ...]:
        """Where digest itself writes: a templates folder that holds them (``templates:
        .``) must not change its hash with every build's own output."""
        config = self.loaded.config
        return (
            self.directory.resolve(),
            self.loaded.resolve(config.state.path).parent,
            self.loaded.resolve(config.fetch.cache_dir),
        )

    def check(self, sources_fingerprint: str) -> None:
        """Stop the run (raise _NothingNew) if the last build of this date read the same."""
        self.note(sources_fingerprint)
        last = self.store.last_inputs(self.loaded.identity, self.day)
        if last is None or last.fingerprint != self.fingerprint:
            return
        if last.stable_until is not None and _now() >= last.stable_until:
            return  # a document has left (or entered) the window since
        if not all(_sha256(path) == sha for path, sha in last.outputs):
            return  # a file was changed or removed since: write it again
        sent = None
        if self.email is not None:
            delivery = self.store.last_delivery(self.day)
            if self.email.eml or self.email.again or delivery is None or not delivery.ok:
                return  # the message still has to be made
            sent = delivery.at
        written = tuple(path for path, _ in last.outputs)
        raise _NothingNew(Unchanged(last.built, written, already_sent=sent))

    def record(
        self,
        run: int,
        analysis: Analysis,
        written: Sequence[Path],
        outputs: Mapping[str, bytes],
        extra: Mapping[Path, bytes] | None = None,
    ) -> None:
        """Leave the record a later re-run compares itself with; none after a build with a
        failed source, whose next run should try that source again in full. Each file is
        hashed from the bytes just written (by its extension's format, or as one of the
        ``extra`` files: the feed, the index), not read back."""
        statuses = analysis.briefing.statuses
        record = None
        if self.fingerprint is not None and all(s.status is not Status.FAILED for s in statuses):
            formats = {extension: fmt for fmt, extension in deliver.EXTENSIONS.items()}
            others = extra or {}

            def _bytes_of(path: Path) -> bytes:
                return others[path] if path in others else outputs[formats[path.suffix]]

            record = state.InputsRecord(
                fingerprint=self.fingerprint,
                built=_now(),
                stable_until=analysis.stable_until,
                outputs=tuple(
                    (path, hashlib.sha256(_bytes_of(path)).hexdigest()) for path in written
                ),
            )
        self.store.record_inputs(run, self.loaded.identity, self.day, record)


def _sha256(path: Path) -> str | None:
    """Read in blocks: the JSON of a large day runs to tens of megabytes."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _folder_hash(folder: Path | None, skip: Sequence[Path] = ()) -> str:
    """Names and contents of the files under a folder (templates), as one hash, leaving
    out what lies under ``skip``."""
    total = hashlib.sha256()
    if folder is not None and folder.is_dir():
        files = (p for p in folder.rglob("*") if p.is_file())
        kept = (p for p in files if not any(p.resolve().is_relative_to(s) for s in skip))
        for path in sorted(kept):
            total.update(str(path.relative_to(folder)).encode("utf-8", "surrogatepass") + b"\0")
            try:
                total.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError as exc:  # unreadable: its error stands in for it (a template
                # the briefing uses then fails to render, naming the file; others are idle)
                total.update(f"unreadable: {exc.errno}".encode())
    return total.hexdigest()


def _stable_until(
    documents: Sequence[Document], window: Window, day: Date, zone: ZoneInfo
) -> datetime | None:
    """When the window, moving with the clock, first takes in or lets go of one of these
    documents; None if it never will (no window, or its end is already fixed at the
    day's close)."""
    close = datetime.combine(day + timedelta(days=1), time(), zone)
    if window.start is None or window.end >= close:
        return None
    span = window.end - window.start
    changes = []
    for document in documents:
        when = document.published
        if when is None:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        if when > window.end:
            changes.append(when)  # dated ahead of now: enters when the clock gets there
        elif when >= window.start:
            changes.append(when + span)  # leaves when the window's start passes it
    soonest = min(changes, default=None)
    return soonest if soonest is not None and soonest < close else None


def _mail(
    loaded: LoadedConfig,
    store: state.Store,
    run: int,
    result: BuildResult,
    request: EmailRequest,
    stem: str,
) -> BuildResult:
    """Send (or write) the message; a failed delivery is recorded, then raised."""
    settings = _email_needed(loaded, "build --email")
    attachments: dict[str, bytes] = {f: result.outputs[f] for f in settings.attach}
    message = mail.compose(
        result.briefing, attachments, settings, stem=stem, user_templates=_templates(loaded)
    )
    if request.eml is not None:
        mail.write_eml(message, request.eml)
        return replace(result, eml=request.eml)
    sent = store.last_delivery(result.briefing.date)
    if sent is not None and sent.ok and not request.again:
        log.info(
            "briefing of %s already sent at %s; not sending again", sent.briefing_date, sent.at
        )
        return replace(result, already_sent=sent.at)
    recipients = mail.recipients(settings)
    try:
        mail.send(message, settings)
    except DeliveryError as exc:
        store.record_delivery(
            run,
            ok=False,
            recipients=_missing(exc, recipients),
            error=str(exc),
            files=result.written,
        )
        raise
    store.record_delivery(run, ok=True, recipients=recipients, error=None, files=result.written)
    return replace(result, emailed=tuple(recipients))


def _email_needed(loaded: LoadedConfig, command: str) -> EmailConfig:
    """The email settings, or a usage error (exit 2) for a config without them, raised
    before the run takes the lock, so nothing is written: not the briefing, not the store."""
    settings = _email_settings(loaded)
    if settings is None:
        message = (
            f"{command} needs an email: section in the config (smtp, sender, to), and this "
            "config has none; nothing was written"
        )
        raise ConfigError([ConfigProblem(str(loaded.path), None, "", message)])
    return settings


def _email_settings(loaded: LoadedConfig) -> EmailConfig | None:
    """The email settings with ``smtp.ca_file`` relative to the config file, as cron needs."""
    settings = loaded.config.email
    if settings is None or settings.smtp.ca_file is None:
        return settings
    smtp = settings.smtp.model_copy(update={"ca_file": str(loaded.resolve(settings.smtp.ca_file))})
    return settings.model_copy(update={"smtp": smtp})


def _missing(error: DeliveryError, recipients: Sequence[str]) -> list[str]:
    """Who still lacks the message: after a partial delivery, only the refused ones."""
    failed = getattr(error, "failed", None)
    return list(failed) if isinstance(error, SendError) and failed else list(recipients)


def _templates(loaded: LoadedConfig) -> Path | None:
    folder = loaded.config.output.templates
    return loaded.resolve(folder) if folder else None


def _now() -> datetime:
    return datetime.now().astimezone()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the analysis.

    The analysis makes millions of small objects (sentences, stems, items, citations)
    and no reference cycles, so reference counting frees all of them; the collector,
    triggered by the allocations, would walk the growing heap again and again and
    find nothing (15 % of the run at 10,000 articles, bench/scale.py). The previous
    state is restored, collections resume after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Leave what the analysis made out of the collector's walks while rendering.

    Rendering (the JSON's dicts, the PDF's boxes) allocates enough to trigger full
    collections, and each walked the whole briefing again: 1.3 s at 10,000 articles
    (bench/scale.py). Frozen objects are still freed by reference counting; they return
    to the collector's care when rendering is done.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _window(settings: BriefingConfig, day: Date, now: datetime) -> Window:
    """Today's briefing covers up to now; a past day's, up to that day's midnight."""
    zone = ZoneInfo(settings.timezone)
    end = min(now.astimezone(zone), datetime.combine(day + timedelta(days=1), time(), zone))
    return Window.ending(end, settings.window_span, settings.undated)


def _extract(
    collected: sources.Collected,
    reader: Callable[[Sequence[RawDocument]], list[reading.Read]] | None = None,
    executor: Executor | None = None,
) -> tuple[list[reading.Read], tuple[SourceStatus, ...]]:
    """Read every document (``reader``: extract only, by default), in batches on the
    executor's workers, in input order; a document that cannot be read fails its
    source, not the run.

    A document with no text at all (an entry that is only an image) is skipped and
    counted, so a source is never "ok" while contributing nothing.
    """
    run = executor or Inline()
    task = reader or _extract_only
    work = batches(collected.documents, run.workers)
    done = run.map(task, work, units=len(collected.documents))
    if not isinstance(run, Inline):  # unpickled: each batch with its own copy of every word
        done = map(reading.Shared(), done)
    reads = [r for batch in done for r in batch]
    errors: dict[str, list[str]] = {}
    blank: Counter[str] = Counter()
    for read in reads:
        if read.failure is not None:
            errors.setdefault(read.source_id, []).append(read.failure)
        elif read.document is None:
            blank[read.source_id] += 1
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
    return reads, tuple(statuses)


def _extract_only(batch: Sequence[RawDocument]) -> list[reading.Read]:
    """Extraction alone (the feed gate's and the sources benchmark's question)."""
    out = []
    for raw in batch:
        found = reading.extracted(raw)
        if isinstance(found, str):
            out.append(reading.Read(raw.source_id, failure=found))
        else:
            out.append(reading.Read(raw.source_id, found if found.blocks else None))
    return out


@dataclass(frozen=True)
class SendResult:
    briefing_date: Date
    recipients: tuple[str, ...]
    eml: Path | None = None


def send(
    loaded: LoadedConfig,
    *,
    on: Date | None = None,
    out_dir: Path | None = None,
    eml: Path | None = None,
    outcome: Callable[[SendResult | None, BaseException | None], int] | None = None,
) -> SendResult:
    """Email a briefing already written, without reading any source: by default the one
    whose delivery failed last, else today's. Recorded in the state store as a run, with
    the exit code ``outcome`` gives (as for :func:`build`)."""
    config = loaded.config
    settings = _email_needed(loaded, "send --eml" if eml else "send")
    store_path = loaded.resolve(config.state.path)
    with (
        lock.hold(store_path.with_name(store_path.name + ".lock")),
        state.Store.open(store_path) as store,
    ):
        pending = store.pending_delivery()
        day = on or (pending.briefing_date if pending else config.briefing.date)
        day = day or config.briefing.today()  # the config's own date, as ``build`` reads it
        with _recorded(store, loaded, day, "send", outcome) as run:
            run.result = _send(loaded, store, run.id, settings, day, out_dir, eml)
            return run.result


def _send(
    loaded: LoadedConfig,
    store: state.Store,
    run: int,
    settings: EmailConfig,
    day: Date,
    out_dir: Path | None,
    eml: Path | None,
) -> SendResult:
    """Compose the briefing of ``day`` as written, and send it (or write the message)."""
    config = loaded.config
    directory = out_dir or loaded.resolve(config.output.directory)
    deliver.recover(directory)  # a build killed while writing: finish it first
    if config.output.archive:
        directory = directory / config.output.archive
    stem = config.output.file_name.format(date=day.isoformat())
    briefing = _written_briefing(directory, stem)
    attachments: dict[str, bytes] = {}
    for fmt in settings.attach:
        path = directory / f"{stem}{deliver.EXTENSIONS[fmt]}"
        try:
            attachments[fmt] = path.read_bytes()
        except OSError as exc:
            raise DeliveryError(f"cannot attach {path}: {exc.strerror or exc}") from None
    message = mail.compose(
        briefing, attachments, settings, stem=stem, user_templates=_templates(loaded)
    )
    if eml is not None:
        mail.write_eml(message, eml)
        return SendResult(day, (), eml)
    recipients = mail.recipients(settings)
    files = [directory / f"{stem}{deliver.EXTENSIONS[f]}" for f in settings.attach]
    try:
        mail.send(message, settings)
    except DeliveryError as exc:
        missing = _missing(exc, recipients)
        store.record_delivery(run, ok=False, recipients=missing, error=str(exc), files=files)
        raise
    store.record_delivery(run, ok=True, recipients=recipients, error=None, files=files)
    return SendResult(day, tuple(recipients))


def _written_briefing(directory: Path, stem: str) -> Briefing:
    """The briefing as its JSON output recorded it."""
    import json

    path = directory / f"{stem}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:  # 200,000 nested brackets: not anything digest wrote
        raise DeliveryError(
            f"cannot read {path} (nested too deeply to be a briefing); rebuild the briefing"
        ) from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(
            f"cannot read {path} ({exc}); build the briefing with the json format first"
        ) from None
    return render.from_json(data)

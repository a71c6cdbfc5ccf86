"""The per-document work, as one task a worker can run: extract → normalize → classify,
and what the later stages read of each sentence (its content stems, its quantities).

Each of these depends on one document alone (classification's context is the
document's own headings and paragraphs), so a document reads the same in any process
and in any company, and the build gathers the results in input order: the briefing
is the same bytes whichever worker read what. The stages that compare documents
(screen, learn, dedupe and after) run in the build's process on what comes back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import extract, normalize
from .classify import Classifier
from .config import ClassifyConfig, SectionConfig
from .errors import SourceError
from .figures import parse_quantities
from .models import Document, Hit, Quantity, RawDocument, Role, Scored
from .text import Stemmer

log = logging.getLogger(__name__)

Parsed = list[tuple[Quantity, int, int]]  # what figures.parse_quantities returns


@dataclass(frozen=True, slots=True)
class Read:
    """One raw document, read. ``document`` is None when it could not be read
    (``failure`` says why) or held no text (a blank, counted by its source)."""

    source_id: str
    document: Document | None = None
    failure: str | None = None
    scored: tuple[Scored, ...] = ()  # every sentence, classified within its document
    stems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # titles', contents'
    quantities: Mapping[str, Parsed] = field(default_factory=dict)  # content sentences' (if any)


@dataclass(frozen=True)
class Reader:
    """What reading needs from the config; small, so it travels with every task. The
    tools made from it (compiled patterns, the classifier's term table, a stemmer and
    its caches) are made once per process: ``key`` names them."""

    key: str
    patterns: tuple[str, ...] = field(compare=False)
    sections: tuple[SectionConfig, ...] = field(compare=False)
    settings: ClassifyConfig = field(compare=False)
    hints: tuple[tuple[str, tuple[str, ...]], ...] = field(compare=False)
    # the run's, for reading in the build's own process: the words it stems there are the
    # ones merging, figures and selection stem again. It stays home: a worker makes its own.
    stemmer: Stemmer | None = field(default=None, compare=False)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "stemmer": None}

    @classmethod
    def make(
        cls,
        patterns: Sequence[str],
        sections: Sequence[SectionConfig],
        settings: ClassifyConfig,
        hints: Mapping[str, Sequence[str]],
        stemmer: Stemmer | None = None,
    ) -> Reader:
        import hashlib
        import json

        shown = json.dumps(
            [
                list(patterns),
                [s.model_dump(mode="json") for s in sections],
                settings.model_dump(mode="json"),
                sorted((k, list(v)) for k, v in hints.items()),
            ],
            sort_keys=True,
        )
        return cls(
            key=hashlib.sha256(shown.encode()).hexdigest(),
            patterns=tuple(patterns),
            sections=tuple(sections),
            settings=settings,
            hints=tuple((k, tuple(v)) for k, v in hints.items()),
            stemmer=stemmer,
        )

    def __call__(self, batch: Sequence[RawDocument]) -> list[Read]:
        tools = _tools(self, self.stemmer)
        try:
            return [tools.read(raw) for raw in batch]
        finally:
            tools.classifier.forget()  # the scores its sentences share go with them
            if self.stemmer is None:  # a worker's: the words' stems stay, the texts go back
                tools.stemmer.forget_texts()


@functools.lru_cache(maxsize=1)  # per process: a worker reads every batch with one set
def _tools(reader: Reader, stemmer: Stemmer | None) -> _Tools:
    stemmer = stemmer or Stemmer()
    classifier = Classifier(reader.sections, reader.settings, stemmer, dict(reader.hints))
    return _Tools(normalize.Rules.make(reader.patterns), classifier, stemmer)


@dataclass(frozen=True)
class _Tools:
    rules: normalize.Rules
    classifier: Classifier
    stemmer: Stemmer

    def read(self, raw: RawDocument) -> Read:
        found = extracted(raw)
        if isinstance(found, str):
            return Read(raw.source_id, failure=found)
        if not found.blocks:
            return Read(raw.source_id)
        found.digests  # noqa: B018 - made here, on the worker; the Document carries them home
        scored = self.classifier.classify(normalize.normalize(found, self.rules))
        stems: dict[str, tuple[str, ...]] = {}
        quantities: dict[str, Parsed] = {}
        for item in scored:
            text, role = item.sentence.text, item.sentence.role
            if role is Role.CONTENT or role is Role.TITLE:
                stems[text] = self.stemmer.content(text)  # the stemmer's own: no copy
            if role is Role.CONTENT and text not in quantities:
                parsed = parse_quantities(text)
                if parsed:  # most state none: the build knows that of a sentence not here
                    quantities[text] = parsed
        return Read(raw.source_id, found, None, tuple(scored), stems, quantities)


class Shared:
    """What batches from workers hold in common, held once in this process.

    A batch comes unpickled with its own copy of every stem and keyword hit it holds
    (a pickle shares objects within itself, not with the next one): at 10,000 articles,
    29 MB of repeated stems, held until the learned layer drops them. Each batch is
    made to share them as it arrives (before anything else holds its objects)."""

    def __init__(self) -> None:
        self.words: dict[str, str] = {}
        self.hits: dict[Hit, Hit] = {}

    def __call__(self, reads: list[Read]) -> list[Read]:
        for read in reads:
            for item in read.scored:
                if item.words:
                    object.__setattr__(item, "words", self._words(item.words))
                if item.hits:
                    hits = tuple([self._hit(h) for h in item.hits])
                    object.__setattr__(item, "hits", hits)
            stems = read.stems
            if isinstance(stems, dict):
                for text, found in stems.items():
                    stems[text] = self._words(found)
        return reads

    def _words(self, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(map(self.words.setdefault, words, words))

    def _hit(self, hit: Hit) -> Hit:
        found = self.hits.get(hit)
        if found is None:
            found = self.hits[hit] = hit._replace(stems=self._words(hit.stems))
        return found


class Quantities:
    """``figures.parse_quantities`` remembered for a run, starting from what the workers
    parsed (every content sentence): dedupe, salience and figures share it."""

    def __init__(self, known: dict[str, Parsed]) -> None:
        self.known = known

    def __call__(self, text: str) -> Parsed:
        found = self.known.get(text)
        if found is None:
            found = self.known[text] = parse_quantities(text)
        return found


def extracted(raw: RawDocument) -> Document | str:
    """The document, or why it cannot be read: whatever one document does, it fails its
    source, not the run."""
    try:
        return extract.extract(raw)
    except SourceError as exc:
        return f"{raw.doc_id}: {exc}"
    except Exception as exc:
        log.debug("%s: %s", raw.source_id, raw.doc_id, exc_info=exc)
        return f"{raw.doc_id}: cannot read it ({type(exc).__name__}: {exc})"[:300]

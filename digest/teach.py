"""Teach stage: the reader's corrections, and sentences like them.

An analyst who sees a sentence in the wrong section says so once (``digest teach ID
SECTION``); the correction goes to a plain YAML file beside the config
(``classify.examples_file``), in the shape of ``sections[].examples``, so it can be read,
edited, diffed and versioned. At every build:

- a taught sentence lands where it was put, whatever its keywords say (the last
  correction of a sentence wins, and ``digest explain`` says which it overrode);
- every example, taught or inline, pulls sentences like it towards its section: up to
  ``classify.example_weight`` keyword points, by how similar the sentence is to the
  section's nearest example (cosine of TF-IDF word vectors, or of an encoder's sentence
  vectors when ``classify.encoder`` names one), and ``digest explain`` names that example;
- taught examples are not fed to the learned vocabulary (``learn.py``): measured on
  articles they never contained, that moved sentences into sections they do not belong
  in (bench/learning.py; the closing note of issue 19 has the table).

Sentence ids are short hashes of the normalized sentence text, so they are the same on
every run and machine and a correction keeps working as long as the sentence reads the same.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .classify import OTHER
from .config import ClassifyConfig, SectionConfig
from .errors import ConfigError, ConfigProblem
from .example_model import Model, fit
from .models import TAUGHT, Role, Scored
from .safeyaml import BoundedLoader, TooLarge
from .text import Stemmer, sentence_id

LEXICAL_FLOOR = 0.2  # TF-IDF cosine below this is two sentences sharing a word or two
ENCODER_FLOOR = 0.45  # sentence-vector cosine below this is unrelated news
MAX_EXAMPLES_BYTES = 5_000_000
HEADER = (
    "# Corrections recorded by `digest teach`: per section id (or `other`), the sentences\n"
    "# that belong there. Edit freely; each entry is a sentence (`text`), when it was\n"
    "# taught (`taught`) and its id. The last entry for a sentence wins.\n"
)

Vectors = Callable[[Sequence[str]], np.ndarray]  # texts → unit rows (an encoder's encode)
Score = Callable[[Sequence[str]], list[Scored]]  # texts → the keyword layer's scores


@dataclass(frozen=True)
class Example:
    """A sentence known to belong to ``section``: taught (with its date) or inline."""

    section: str
    text: str
    taught: date | None = None

    @property
    def id(self) -> str:
        return sentence_id(self.text)


# --------------------------------------------------------------------------- the file


def read(path: Path, sections: Sequence[str]) -> list[Example]:
    """The corrections in ``path`` (none when it does not exist), in file order.

    Raises ConfigError naming the file, line and entry of anything malformed."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_EXAMPLES_BYTES:
            raise ConfigError([ConfigProblem(name, None, "", "larger than 5 MB")])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(name, None, "", f"cannot read: {exc}")]) from None
    try:
        root = yaml.compose(text, Loader=BoundedLoader)
    except (yaml.YAMLError, TooLarge, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([ConfigProblem(name, line, "", f"not valid YAML: {exc}")]) from None
    if root is None:
        return []
    problems: list[ConfigProblem] = []
    out: list[Example] = []
    known = [*sections, OTHER]
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(
            [ConfigProblem(name, root.start_mark.line + 1, "", "must map section ids to lists")]
        )
    for key, value in root.value:
        section = str(key.value)
        where = key.start_mark.line + 1
        if section not in known:
            close = difflib.get_close_matches(section, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"unknown section{hint} (sections: {', '.join(known)})"
            problems.append(ConfigProblem(name, where, section, message))
            continue
        if not isinstance(value, yaml.SequenceNode):
            problems.append(ConfigProblem(name, where, section, "must be a list of sentences"))
            continue
        for n, entry in enumerate(value.value):
            found = _entry(entry, f"{section}[{n}]", name, problems)
            if found is not None:
                out.append(Example(section, found[0], found[1]))
    if problems:
        raise ConfigError(problems)
    return out


def _entry(
    node: yaml.Node, path: str, name: str, problems: list[ConfigProblem]
) -> tuple[str, date | None] | None:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and str(node.value).strip():
        return str(node.value), None
    if isinstance(node, yaml.MappingNode):
        data: dict[str, Any] = {str(k.value): v for k, v in node.value}
        unknown = sorted(set(data) - {"text", "taught", "id"})
        text = data.get("text")
        if unknown:
            problems.append(ConfigProblem(name, line, path, f"unknown key {unknown[0]!r}"))
        elif not isinstance(text, yaml.ScalarNode) or not str(text.value).strip():
            problems.append(ConfigProblem(name, line, path, "an entry needs its `text`"))
        else:
            taught = data.get("taught")
            try:
                day = date.fromisoformat(str(taught.value)) if taught is not None else None
            except ValueError:
                problems.append(ConfigProblem(name, line, f"{path}.taught", "not a date"))
                return None
            return str(text.value), day
        return None
    problems.append(ConfigProblem(name, line, path, "must be a sentence or {text, taught}"))
    return None


def write(path: Path, examples: Sequence[Example]) -> None:
    """Write the corrections file atomically: a reader sees the old file or the new one."""
    from .deliver import write_atomic

    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for e in examples:
        entry = {"text": e.text, "id": e.id}
        if e.taught is not None:
            entry["taught"] = e.taught.isoformat()
        grouped[e.section].append(entry)
    body = yaml.safe_dump(dict(grouped), sort_keys=False, allow_unicode=True, width=100)
    write_atomic(path, (HEADER + body).encode("utf-8"))


def record(
    existing: Sequence[Example], corrections: Sequence[tuple[str, str]], day: date
) -> list[Example]:
    """The file's examples with ``corrections`` ((text, section) pairs) recorded: a
    sentence corrected again moves (the later correction wins), the rest keep their order."""
    fresh = [Example(section, text, day) for text, section in corrections]
    latest = {e.id: e for e in fresh}  # a sentence corrected twice in one call: the later
    kept = [e for e in existing if e.id not in latest]
    return kept + list(latest.values())


# --------------------------------------------------------------------------- a build


def apply(
    scored: Sequence[Scored],
    examples: Sequence[Example],
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    vectors: Vectors | None = None,
    score: Score | None = None,
) -> list[Scored]:
    """Each content sentence placed as the examples say: a taught sentence where it was
    put, the others pulled towards the sections of the examples they are like.

    With ``vectors`` (an encoder) and enough examples, the example model
    (``example_model.py``) decides instead of the nearest-example vote; ``score`` gives
    the keyword layer's scores of example sentences that are not in today's run."""
    everything = [
        *(Example(s.id, text) for s in sections for text in s.examples if text),
        *examples,
    ]
    if not everything:
        return list(scored)
    taught: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        taught[e.id].append(e)
    content = [k for k, s in enumerate(scored) if s.sentence.role is Role.CONTENT]
    out = list(scored)
    rest = []
    for k in content:
        corrections = taught.get(sentence_id(scored[k].sentence.text))
        if corrections:
            out[k] = _placed(scored[k], corrections)
        else:
            rest.append(k)
    reach = _reach([scored[k] for k in content], sections, settings)
    rest = [k for k in rest if _movable(scored[k], settings) and _within(scored[k], reach)]
    if settings.example_weight <= 0 or not rest:
        return out
    texts = [scored[k].sentence.text for k in rest]
    pool = everything
    ids = [s.id for s in sections]
    if vectors is not None:
        mine = vectors(texts)
        theirs = vectors([e.text for e in pool])
        similar = _cosine(mine, theirs)
        model = _model(scored, pool, theirs, ids, score)
        if model is not None:
            p = model.probabilities([scored[k] for k in rest], mine)
            for row, k in enumerate(rest):
                out[k] = _decided(out[k], p[row], model, similar[row], pool, settings)
            return out
        floor = ENCODER_FLOOR
    else:
        similar = _tfidf(texts, [e.text for e in pool], stemmer)
        floor = LEXICAL_FLOOR
    column = {s: [j for j, e in enumerate(pool) if e.section == s] for s in (*ids, OTHER)}
    for row, k in enumerate(rest):
        out[k] = _pulled(out[k], similar[row], pool, column, floor, settings)
    return out


SHOWN_MARGIN = 3  # a section's candidates that matter: this many times what it shows


def _reach(
    content: Sequence[Scored], sections: Sequence[SectionConfig], settings: ClassifyConfig
) -> dict[str, float]:
    """Per section, the score a sentence must be able to reach to matter to what it shows:
    the score of its last candidate that could be shown (``max_items`` × SHOWN_MARGIN, for
    the top lines, the merging and the news weight that reorder them), less the most
    examples can add. A sentence below every section's reach can change nothing shown."""
    ranked: dict[str, list[float]] = defaultdict(list)
    for s in content:
        ranked[s.section].append(s.score)
    reach = {}
    for section in sections:
        scores = sorted(ranked.get(section.id, ()), reverse=True)
        room = section.max_items * SHOWN_MARGIN
        last = scores[room - 1] if len(scores) >= room else float("-inf")
        reach[section.id] = last - settings.example_weight
    return reach


def _within(item: Scored, reach: Mapping[str, float]) -> bool:
    return any(item.scores.get(k, 0.0) >= floor for k, floor in reach.items())


def _movable(item: Scored, settings: ClassifyConfig) -> bool:
    """Whether examples can move a sentence at all: they add at most ``example_weight``
    to one section or to the bar, so a sentence further than that from every boundary
    (the runner-up section, the bar) stays where it is, and needs no vector."""
    reach = settings.example_weight
    ranked = sorted(item.scores.values(), reverse=True)
    best = ranked[0] if ranked else 0.0
    second = ranked[1] if len(ranked) > 1 else 0.0
    bar = item.threshold or settings.min_score
    return best - second < reach or abs(best - bar) < reach


def _model(
    scored: Sequence[Scored],
    pool: Sequence[Example],
    vectors: np.ndarray,
    sections: Sequence[str],
    score: Score | None,
) -> Model | None:
    """The example model, trained on ``pool`` (its keyword scores: the run's own for an
    example in today's articles, else ``score``'s); the last example of a sentence wins."""
    latest = {e.id: n for n, e in enumerate(pool)}
    keep = sorted(latest.values())
    by_id = {sentence_id(s.sentence.text): s for s in scored if s.sentence.role is Role.CONTENT}
    missing = [pool[n].text for n in keep if pool[n].id not in by_id]
    extra: Iterator[Scored]
    if not missing:
        extra = iter(())
    elif score is None:
        return None
    else:
        extra = iter(score(missing))
    rows = [by_id.get(pool[n].id) or next(extra) for n in keep]
    labels = [pool[n].section for n in keep]
    return fit(rows, vectors[keep], labels, sections)


def _decided(
    item: Scored,
    p: np.ndarray,
    model: Model,
    similar: np.ndarray,
    pool: Sequence[Example],
    settings: ClassifyConfig,
) -> Scored:
    """The model's probabilities as points beside the keywords': each section gains
    ``example_weight`` × its probability, and the probability of ``other`` raises the
    bar. The keywords keep their say: a model of another outlet's articles can be
    wrong on these (measured, bench/learning.py and issue 19's note: letting the model
    decide gained 6–8 points on articles like its examples and cost the seed articles 17)."""
    weight = settings.example_weight
    ids = model.classes[:-1]
    points = {k: weight * float(p[n]) for n, k in enumerate(ids)}
    total, best, section, threshold = _rechosen(item, ids, points, weight * float(p[-1]), settings)
    likeliest = int(p.argmax())
    reason = f"example model: {model.classes[likeliest]} {p[likeliest]:.2f}"
    members = [j for j, e in enumerate(pool) if e.section == model.classes[likeliest]]
    if members:
        j = max(members, key=lambda m: similar[m])
        quote, when = _cited(pool[j])
        reason += f" (nearest example: {quote!r} {float(similar[j]):.2f}{when})"
    return replace(
        item,
        section=section,
        score=total[best],
        scores=total,
        reasons=(*item.reasons, reason),
        threshold=round(threshold, 4),
    )


def _placed(item: Scored, corrections: list[Example]) -> Scored:
    last = corrections[-1]
    when = f" ({last.taught.isoformat()})" if last.taught else ""
    reasons = [f"{TAUGHT}{last.section}{when}"]
    earlier = [e for e in corrections[:-1] if e.section != last.section]
    if earlier:
        reasons.append(f"overrides an earlier correction to {earlier[-1].section}")
    score = max(item.score, item.threshold) if last.section != OTHER else 0.0
    return replace(item, section=last.section, score=score, reasons=(*reasons, *item.reasons))


def _pulled(
    item: Scored,
    similar: np.ndarray,
    pool: Sequence[Example],
    column: Mapping[str, list[int]],
    floor: float,
    settings: ClassifyConfig,
) -> Scored:
    points: dict[str, float] = {}
    nearest: dict[str, int] = {}
    for section, members in column.items():
        if not members:
            continue
        best = max(members, key=lambda j: similar[j])
        strength = (float(similar[best]) - floor) / (1 - floor)
        if strength > 0:
            points[section] = round(settings.example_weight * strength, 4)
            nearest[section] = best
    if not points:
        return item
    ids = [k for k in column if k != OTHER]
    other = points.get(OTHER, 0.0)
    total, best_section, section, threshold = _rechosen(item, ids, points, other, settings)
    shown = section if section in nearest else max(points, key=lambda k: points[k])
    quote, when = _cited(pool[nearest[shown]])
    similarity = float(similar[nearest[shown]])
    reasons = (
        *item.reasons,
        f"nearest example: {quote!r} ({similarity:.2f}{when}) +{points[shown]:.2f} {shown}",
    )
    score = total[best_section]
    return replace(
        item, section=section, score=score, scores=total, reasons=reasons, threshold=threshold
    )


def _rechosen(
    item: Scored,
    ids: Sequence[str],
    points: Mapping[str, float],
    other: float,
    settings: ClassifyConfig,
) -> tuple[dict[str, float], str, str, float]:
    """The sentence's section again, with ``points`` added to the sections' scores and
    ``other``'s added to the bar (an example left out of the sections raises it, as the
    learned other does): (totals, best section, section, bar)."""
    total = {k: round(item.scores.get(k, 0.0) + points.get(k, 0.0), 4) for k in ids}
    order = {k: -n for n, k in enumerate(ids)}  # ties go to the earlier section
    best = max(ids, key=lambda k: (total[k], order[k]))
    threshold = (item.threshold or settings.min_score) + other
    return total, best, (best if total[best] >= threshold else OTHER), threshold


def _cited(e: Example) -> tuple[str, str]:
    """An example as ``digest explain`` names it: its words (cut at 60), and its origin."""
    quote = e.text if len(e.text) <= 60 else e.text[:57].rstrip() + "…"
    return quote, (f", taught {e.taught.isoformat()}" if e.taught else ", inline example")


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(a @ b.T, dtype=np.float64)


def _tfidf(texts: Sequence[str], examples: Sequence[str], stemmer: Stemmer) -> np.ndarray:
    """Cosine of TF-IDF vectors of the learned layer's words; idf from all the sentences,
    so a word every sentence has ties nothing together."""
    from .learn import terms

    bags = [Counter(terms(stemmer, t)) for t in texts]
    targets = [Counter(terms(stemmer, t)) for t in examples]
    df: Counter[str] = Counter()
    for bag in (*bags, *targets):
        df.update(bag.keys())
    n = len(bags) + len(targets)
    idf = {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}

    def unit(bag: Counter[str]) -> dict[str, float]:
        v = {w: c * idf[w] for w, c in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    rows = [unit(b) for b in targets]
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for j, row in enumerate(rows):
        for w, x in row.items():
            postings[w].append((j, x))
    out = np.zeros((len(bags), len(rows)))
    for i, bag in enumerate(bags):
        for w, x in unit(bag).items():
            for j, y in postings.get(w, ()):
                out[i, j] += x * y
    return out


def did_you_mean(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""

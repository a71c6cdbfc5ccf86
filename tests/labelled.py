"""Score the pipeline against sentence-labelled articles (../shared/eval).

Shared by the quality gates (tests/test_gates.py) and the measuring script
(bench/sections_eval.py), so the figures in a closing note are the gate's own.
Nothing here is copied from the labelled data: it is read in place.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from digest import config
from digest.build import analyze
from digest.config import LoadedConfig
from digest.normalize import squash

if TYPE_CHECKING:
    from digest.teach import Example

Produced = dict[tuple[str, str], tuple[str, str]]

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


def key(text: str) -> str:
    """What two cuts of one sentence share: the gold straightened its quotes (it went
    through plain ``ftfy.fix_text``), digest keeps the source's typography."""
    return squash(text).translate(_QUOTES)


def read_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def with_articles(loaded: LoadedConfig, *folders: Path) -> LoadedConfig:
    """The config's sections and settings, reading every .txt of ``folders`` instead
    of its own sources (one file source per folder, allowed by ``access.paths``)."""
    cfg = loaded.config
    sources = [
        config.FileSource(kind="file", id=f"set{i}", name=folder.name, path=str(folder.resolve()))
        for i, folder in enumerate(folders)
    ]
    access = cfg.access.model_copy(update={"paths": [str(f.resolve()) for f in folders]})
    state = cfg.state.model_copy(update={"path": "/nonexistent-never-written/state.sqlite"})
    changed = cfg.model_copy(update={"sources": sources, "access": access, "state": state})
    return LoadedConfig(changed, loaded.path, loaded.examples)


def produce(loaded: LoadedConfig) -> Produced:
    """(doc, squashed text) → (role, section) for every sentence the pipeline made.

    A document's id is its file name without ``.txt`` (the gold's ``doc``) for the
    generalization set, and the file name for the seeds."""
    analysis = analyze(loaded)
    out: Produced = {}
    for s in analysis.scored:
        doc = s.sentence.doc_id
        got = (s.sentence.role.value, s.section)
        out[(doc, key(s.sentence.text))] = got
        if doc.endswith(".txt"):
            out.setdefault((doc.removesuffix(".txt"), key(s.sentence.text)), got)
    return out


@dataclass
class Scores:
    sentences: int
    found: int
    special: int
    special_right: int
    content: int
    content_as_content: int
    section_right: int
    missing: list[str] = field(default_factory=list)
    wrong_roles: list[str] = field(default_factory=list)
    wrong_sections: list[tuple[str, str, str]] = field(default_factory=list)  # gold, got, text
    per_section: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def segmentation(self) -> float:
        return self.found / self.sentences

    @property
    def roles(self) -> float:
        return self.special_right / self.special if self.special else 1.0

    @property
    def sections(self) -> float:
        return self.section_right / self.content

    def line(self) -> str:
        return (
            f"segmentation {self.found}/{self.sentences} = {self.segmentation:.3f}  "
            f"roles {self.special_right}/{self.special} = {self.roles:.3f}  "
            f"sections {self.section_right}/{self.content} = {self.sections:.3f}"
        )


def score(gold: list[dict], produced: Produced) -> Scores:
    """The three figures of the gates: sentences split exactly, title/heading/boilerplate
    recognized, content sentences in their gold section or one in ``also``."""

    def get(g: dict) -> tuple[str, str]:
        return produced.get((g["doc"], key(g["text"])), ("missing", "missing"))

    special = [g for g in gold if g["role"] != "content"]
    content = [g for g in gold if g["role"] == "content"]
    s = Scores(
        sentences=len(gold),
        found=sum(1 for g in gold if get(g)[0] != "missing"),
        special=len(special),
        special_right=sum(1 for g in special if get(g)[0] == g["role"]),
        content=len(content),
        content_as_content=sum(1 for g in content if get(g)[0] == "content"),
        section_right=0,
    )
    s.missing = [g["text"] for g in gold if get(g)[0] == "missing"]
    s.wrong_roles = [
        f"{g['role']}→{get(g)[0]}: {g['text']}" for g in special if get(g)[0] != g["role"]
    ]
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g in content:
        section = get(g)[1]
        if section in {g["section"], *g["also"]}:
            s.section_right += 1
            tp[section] += 1
        else:
            fp[section] += 1
            fn[g["section"]] += 1
            s.wrong_sections.append((g["section"], section, g["text"]))
    for name in sorted(tp | fp | fn):
        p = tp[name] / (tp[name] + fp[name]) if tp[name] + fp[name] else 0.0
        r = tp[name] / (tp[name] + fn[name]) if tp[name] + fn[name] else 0.0
        s.per_section[name] = (p, r)
    return s


# --------------------------------------------------------------------------- teaching

GENERALIZATION_ORDER = [
    *("189 203 61 57 251 184 269 63 155 227 41 91".split()),
    "multinews-1102-0",
    "multinews-4758-0",
]  # the generalization set's README order: the days of bench/learning.py


def copies(tmp: Path, name: str, docs: list[str], source: Path) -> Path:
    """A folder holding copies of the named articles (a temporary build's sources)."""
    import shutil

    out = tmp / name
    out.mkdir()
    for doc in docs:
        shutil.copy(source / f"{doc}.txt", out / f"{doc}.txt")
    return out


def taught(base: LoadedConfig, examples: Sequence[Example], tmp: Path) -> LoadedConfig:
    """``base`` with ``examples`` written and read back as ``digest teach`` does."""
    from digest import teach

    path = tmp / f"examples-{len(examples)}.yaml"
    teach.write(path, examples)
    sections = [s.id for s in base.config.sections]
    return LoadedConfig(base.config, base.path, teach.read(path, sections))


def ten_a_section(
    base: LoadedConfig, gold: list[dict], generalization: Path, tmp: Path
) -> tuple[float, float]:
    """Section accuracy before and after teaching ten labelled sentences a section (the
    first in text order) of one half of the articles, scored on the other half (with the
    context corpus), both ways round: (before, after) over both halves."""
    from datetime import date

    from digest import teach
    from digest.models import Role

    parts = [GENERALIZATION_ORDER[0::2], GENERALIZATION_ORDER[1::2]]
    right_before = right_after = total = 0
    for n, (train, test) in enumerate([(parts[0], parts[1]), (parts[1], parts[0])]):
        train_dir = copies(tmp, f"train{n}", train, generalization / "articles")
        test_dir = copies(tmp, f"test{n}", test, generalization / "articles")
        texts = {
            (s.sentence.doc_id.removesuffix(".txt"), key(s.sentence.text)): s.sentence.text
            for s in analyze(with_articles(base, train_dir)).scored
            if s.sentence.role is Role.CONTENT
        }
        chosen: dict[str, list[tuple[str, str]]] = {}
        for g in gold:
            if g["doc"] in train and g["role"] == "content":
                text = texts.get((g["doc"], key(g["text"])))
                picked = chosen.setdefault(g["section"], [])
                if text and len(picked) < 10:
                    picked.append((text, g["section"]))
        pairs = [p for ps in chosen.values() for p in ps]
        examples = teach.record([], pairs, date(2026, 1, 1))
        test_gold = [g for g in gold if g["doc"] in test]
        content = sum(1 for g in test_gold if g["role"] == "content")
        folders = [test_dir, generalization / "context"]
        before = score(test_gold, produce(with_articles(base, *folders))).sections
        after_config = with_articles(taught(base, examples, tmp), *folders)
        after = score(test_gold, produce(after_config)).sections
        right_before += round(before * content)
        right_after += round(after * content)
        total += content
    return right_before / total, right_after / total

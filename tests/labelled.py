"""Score the pipeline against sentence-labelled articles (../shared/eval).

Shared by the quality gates (tests/test_gates.py) and the measuring script
(bench/sections_eval.py), so the figures in a closing note are the gate's own.
Nothing here is copied from the labelled data: it is read in place.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from digest import config
from digest.build import analyze
from digest.config import LoadedConfig
from digest.normalize import squash

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
    return LoadedConfig(changed, loaded.path)


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

"""Stories for the editorial gate: the sample briefing and briefings assembled from
../shared/data (BBC, Multi-News), each with the headline facts an editor would lead with
(``tests/stories/*.yaml``), and the checks every shown item must pass.

Run ``python -m tests.editorial NAME`` (``sample``, ``airlines``, ``scalia``) to print a
story's briefing as Markdown, with the checks' findings after it.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from digest import config
from digest.build import analyze
from digest.models import Briefing, Item

ROOT = Path(__file__).resolve().parents[1]
STORIES = Path(__file__).resolve().parent / "stories"
SHARED = ROOT.parent / "shared"

# Words that make a sentence lean on the one before it when it opens with them.
PRONOUNS = frozenset("he she it they him her them his its their this these those such".split())
CONNECTIVES = frozenset(
    "but yet similarly however meanwhile also moreover furthermore still instead "
    "nevertheless nonetheless thus therefore hence so and or besides likewise "
    "separately additionally consequently then otherwise".split()
)
# "the airline", "the company": a definite description whose referent is elsewhere
DESCRIPTIONS = frozenset(
    "airline company firm carrier group bank president minister man woman "
    "official agency leader chief executive".split()
)
EXPLETIVE = [
    [w]
    for w in "unclear likely unlikely possible expected understood thought believed clear not too hard difficult important".split()
]
COMPOUNDS = frozenset("industry sector market business world".split())
_QUOTE = re.compile(r"[“\"]([^”\"]{10,})[”\"]")


@dataclass(frozen=True)
class Story:
    name: str
    spec: dict[str, Any]

    @property
    def headlines(self) -> dict[str, list[list[str]]]:
        return dict(self.spec["headlines"])

    def needs(self) -> Path | None:
        """The ../shared data the story reads, None when it reads none."""
        if "bbc" in self.spec:
            return SHARED / "data" / "bbc"
        if "multinews" in self.spec:
            return SHARED / "data" / "multinews" / "test.jsonl"
        return None


def story(name: str) -> Story:
    return Story(name, yaml.safe_load((STORIES / f"{name}.yaml").read_text(encoding="utf-8")))


def names() -> list[str]:
    return sorted(p.stem for p in STORIES.glob("*.yaml"))


def config_for(s: Story, folder: Path) -> Path:
    """The story's config.yaml (the sample's own, or one written into ``folder``)."""
    if "config" in s.spec:
        return ROOT / s.spec["config"]
    paths: list[Path] = []
    if "bbc" in s.spec:
        paths = [SHARED / "data" / "bbc" / p for p in s.spec["bbc"]]
    else:
        with (SHARED / "data" / "multinews" / "test.jsonl").open(encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n == s.spec["multinews"]:
                    for k, text in enumerate(json.loads(line)["documents"]):
                        path = folder / f"report-{k + 1}.txt"
                        path.write_text(text, encoding="utf-8")
                        paths.append(path)
                    break
    data: dict[str, Any] = {
        "briefing": {"title": s.spec["title"], "date": "2005-03-01"},
        "sources": [
            {"kind": "file", "id": f"s{k + 1}", "name": _headline(p), "path": str(p)}
            for k, p in enumerate(paths)
        ],
        "access": {"paths": sorted({str(p.parent) for p in paths})},
        "sections": s.spec["sections"],
        "select": {"top_lines": s.spec.get("top_lines", 4)},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _headline(path: Path) -> str:
    first = path.read_text(encoding="utf-8").strip().splitlines()[0]
    return first if len(first) < 80 else first[:60].rsplit(" ", 1)[0] + " …"


def briefing(s: Story, folder: Path) -> Briefing:
    return analyze(config.load(config_for(s, folder))).briefing


# --------------------------------------------------------------------------- the checks


def covered(b: Briefing, s: Story) -> dict[str, bool]:
    """Each headline fact: does one top line state it (every group matched by that line)?"""
    out = {}
    for fact, groups in s.headlines.items():
        out[fact] = any(
            all(re.search("|".join(g), line.text, re.IGNORECASE) for g in groups)
            for line in b.top_lines
        )
    return out


def leans(item: Item) -> str | None:
    """The word a shown item opens on that leans on a sentence the reader does not see."""
    words = re.findall(r"[\w'’]+|\[", item.text[:80])
    if not words or words[0] == "[":
        return None
    first = words[0].lower()
    rest = [w.lower() for w in words[1:4]]
    if first == "it" and rest[:1] in (["is"], ["was"], ["remains"]) and rest[1:2] in EXPLETIVE:
        return None  # "It is unclear whether …": "it" stands for what follows, not before
    if first in PRONOUNS or first in CONNECTIVES:
        return words[0]
    if first == "the" and rest and rest[0] in DESCRIPTIONS:
        if len(rest) > 1 and rest[1] in COMPOUNDS:
            return None  # "the airline industry": a thing of its own
        return f"{words[0]} {words[1]}"
    return None


def _quotes(text: str) -> set[str]:
    return {" ".join(q.lower().split()) for q in _QUOTE.findall(text.replace("’", "'"))}


def miscredited(item: Item) -> list[int]:
    """Sources cited for a quotation in the wording that their own sentence lacks (and is not
    shown beside it)."""
    quotes = _quotes(item.original or item.text)
    shown = {c.number for c in item.beside}
    bad = []
    for c in item.citations:
        if c.number in shown:
            continue
        own = " ".join(c.text.replace("’", "'").lower().split())
        if any(q not in own for q in quotes):
            bad.append(c.number)
    return sorted(set(bad))


def one_source_sections(b: Briefing) -> list[str]:
    """Sections that take all their items from one source while three or more sources
    have sentences in the section."""
    having: dict[str, set[int]] = defaultdict(set)
    for item in (*b.shown_items, *b.other):
        having[item.section].update(c.number for c in item.citations)
    bad = []
    for section in b.sections:
        items = [*section.items, *(b.top_lines[n - 1] for n in section.lifted)]
        cited = {c.number for i in items for c in i.citations}
        if len(items) >= 2 and len(cited) == 1 and len(having[section.id]) >= 3:
            bad.append(section.id)
    return bad


def findings(b: Briefing) -> dict[str, list[str]]:
    shown = list(b.shown_items)
    return {
        "leans": [f"{leans(i)!r}: {i.text[:70]}" for i in shown if leans(i)],
        "miscredited": [f"{miscredited(i)}: {i.text[:70]}" for i in shown if miscredited(i)],
        "one source": one_source_sections(b),
    }


def main(argv: list[str]) -> int:
    from digest.render import render

    for name in argv or names():
        s = story(name)
        with tempfile.TemporaryDirectory() as tmp:
            b = briefing(s, Path(tmp))
        sys.stdout.write(render(b, ["md"])["md"].decode("utf-8"))
        print(f"\n## Checks ({name})\n")
        for fact, ok in covered(b, s).items():
            print(f"- headline {'yes' if ok else 'NO '}: {fact}")
        for check, found in findings(b).items():
            print(f"- {check}: {len(found)}")
            for f in found:
                print(f"    {f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

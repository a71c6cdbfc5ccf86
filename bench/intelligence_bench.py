"""Benchmark: the intelligence stages (merge, select, figures, people) as articles grow.

    .venv/bin/python bench/intelligence_bench.py [--sizes 100 500 2225]

BBC articles from ../shared/data/bbc (read, never copied) go through extract, normalize
and classify once per size (a generic five-section config, one section per BBC topic);
then each intelligence stage is timed on its own. Each source is one BBC topic folder,
so merging works across sources as it would across outlets. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from digest import dedupe, figures, people, select
from digest.classify import Classifier
from digest.config import ClassifyConfig, SectionConfig
from digest.extract import extract
from digest.models import RawDocument, SourceInfo
from digest.normalize import Rules, normalize
from digest.text import Stemmer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbc"
SECTIONS = [
    SectionConfig(
        id="business",
        title="Business",
        keywords=["market", "shares", "economy", "profit", "bank", "growth"],
    ),
    SectionConfig(
        id="politics",
        title="Politics",
        keywords=["election", "minister", "party", "labour", "government", "vote"],
    ),
    SectionConfig(
        id="sport",
        title="Sport",
        keywords=["match", "win", "cup", "coach", "season", "championship"],
    ),
    SectionConfig(
        id="tech",
        title="Technology",
        keywords=["software", "phone", "internet", "computer", "games", "digital"],
    ),
    SectionConfig(
        id="entertainment",
        title="Entertainment",
        keywords=["film", "music", "album", "award", "actor", "show"],
    ),
]


def articles(limit: int) -> list[tuple[str, Path]]:
    topics = sorted(p for p in DATA.iterdir() if p.is_dir())
    files = [sorted(t.glob("*.txt")) for t in topics]
    out: list[tuple[str, Path]] = []
    i = 0
    while len(out) < limit and any(i < len(f) for f in files):
        for topic, found in zip(topics, files, strict=True):
            if i < len(found) and len(out) < limit:
                out.append((topic.name, found[i]))
        i += 1
    return out


def run(size: int) -> dict[str, float]:
    chosen = articles(size)
    topics = sorted({t for t, _ in chosen})
    sources = tuple(SourceInfo(t, n, t, "file", t) for n, t in enumerate(topics, start=1))
    rules, stemmer = Rules.make(), Stemmer()
    start = time.perf_counter()
    sentences = []
    for topic, path in chosen:
        raw = RawDocument(topic, path.name, str(path), "text/plain", path.read_bytes())
        sentences.extend(normalize(extract(raw), rules))
    scored = Classifier(SECTIONS, ClassifyConfig(), stemmer).classify(sentences)
    prepare = time.perf_counter() - start
    times = {"articles": float(len(chosen)), "sentences": float(len(sentences)), "prepare": prepare}
    start = time.perf_counter()
    items = dedupe.merge(scored, sources, stemmer)
    times["merge"] = time.perf_counter() - start
    times["merged"] = float(sum(1 for i in items if len(i.source_numbers) > 1))
    start = time.perf_counter()
    select.select(items, SECTIONS, stemmer=stemmer)
    times["select"] = time.perf_counter() - start
    start = time.perf_counter()
    figures.extract(scored, sources)
    times["figures"] = time.perf_counter() - start
    start = time.perf_counter()
    people.find(sentences, sources)
    times["people"] = time.perf_counter() - start
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2225])
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"needs {DATA} (the shared evaluation data); not found", file=sys.stderr)
        return 2
    columns = ["articles", "sentences", "prepare", "merge", "merged", "select", "figures", "people"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for size in args.sizes:
        t = run(size)
        cells = [
            f"{t[c]:.0f}" if c in ("articles", "sentences", "merged") else f"{t[c]:.2f} s"
            for c in columns
        ]
        print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: what teaching is worth. A simulated operator corrects the briefing, and
section accuracy is measured on articles the corrections never contained.

    .venv/bin/python bench/learning.py [-c config.yaml] [--encoder DIR] [--heldout DIR]

Three measurements, each on the config's sections, scored as the gates score
(tests/labelled.py: a content sentence is right in its gold section or one in ``also``):

1. **Learning curve.** The generalization set's articles (../shared/eval/generalization)
   are the days, in their README's order; each day's build reads that day's article and
   the ~190 unlabelled context articles. After each day the operator corrects the shown
   items (top lines and sections) that the gold labels file elsewhere, through the code
   path of ``digest teach`` (``teach.record`` then ``teach.write``, read back by
   ``teach.read``); accuracy is then measured on the days still to come.
2. **Ten examples a section.** The articles split in two halves (alternate articles);
   up to ten labelled sentences a section (the first ones, in text order) of one half
   are taught once; the other half is scored; then the halves swap.
3. **Everything taught, other articles scored.** Every labelled content sentence of the
   seeds and the generalization set is taught; ``--heldout DIR`` names a folder of
   further labelled articles (``labels_*.jsonl`` in the same format, their articles in
   the context folder) scored before and after. Without it this part is skipped.

With ``--encoder DIR`` each measurement runs with and without the encoder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import config, teach  # noqa: E402
from digest.build import analyze  # noqa: E402
from digest.config import LoadedConfig  # noqa: E402
from digest.models import Role  # noqa: E402
from tests.labelled import (  # noqa: E402
    GENERALIZATION_ORDER,
    copies,
    key,
    produce,
    read_gold,
    score,
    taught,
    ten_a_section,
    with_articles,
)

EVAL = ROOT.parent / "shared" / "eval"
GEN = EVAL / "generalization"
ORDER = GENERALIZATION_ORDER
DAY = date(2026, 1, 1)


def encoded(base: LoadedConfig, encoder: str | None) -> LoadedConfig:
    settings = base.config.classify.model_copy(update={"encoder": encoder})
    return LoadedConfig(
        base.config.model_copy(update={"classify": settings}), base.path, base.examples
    )


def accuracy(loaded: LoadedConfig, gold: list[dict], folders: Sequence[Path]) -> float:
    return score(gold, produce(with_articles(loaded, *folders))).sections


def texts_of(loaded: LoadedConfig, folders: Sequence[Path]) -> dict[tuple[str, str], str]:
    """(doc, key) → the sentence as digest cut it (teach takes digest's own text)."""
    out = {}
    for s in analyze(with_articles(loaded, *folders)).scored:
        if s.sentence.role is Role.CONTENT:
            out[(s.sentence.doc_id.removesuffix(".txt"), key(s.sentence.text))] = s.sentence.text
    return out


def curve(base: LoadedConfig, gold: list[dict], tmp: Path) -> None:
    by_doc = defaultdict(list)
    for g in gold:
        by_doc[g["doc"]].append(g)
    context = GEN / "context"
    examples: list[teach.Example] = []
    print("| days taught | corrections | days still to come: untaught | taught |")
    print("|---|---|---|---|")
    for d in range(len(ORDER) - 1):
        later = ORDER[d + 1 :]
        loaded = taught(base, examples, tmp)
        rest = [g for doc in later for g in by_doc[doc]]
        folders = [copies(tmp, f"later{d}", later, GEN / "articles"), context]
        plain = accuracy(base, rest, folders) if examples else None
        acc = accuracy(loaded, rest, folders)
        print(f"| {d} | {len(examples)} | {acc if plain is None else plain:.3f} | {acc:.3f} |")
        # the operator reads day d's briefing and corrects what is misfiled
        today = copies(tmp, f"day{d}", [ORDER[d]], GEN / "articles")
        analysis = analyze(with_articles(loaded, today, context))
        labels = {key(g["text"]): g for g in by_doc[ORDER[d]] if g["role"] == "content"}
        fixes = []
        for item in analysis.briefing.shown_items:
            g = labels.get(key(item.original or item.text))
            if g is not None and item.section not in {g["section"], *g["also"]}:
                fixes.append((item.original or item.text, g["section"]))
        examples = teach.record(examples, fixes, DAY)
        sys.stdout.flush()


def halves(base: LoadedConfig, gold: list[dict], tmp: Path) -> None:
    before, after = ten_a_section(base, gold, GEN, tmp)
    print(f"| both halves, each taught from the other | {before:.3f} | {after:.3f} |")


def everything(base: LoadedConfig, gold: list[dict], heldout: Path, tmp: Path) -> None:
    seeds = read_gold(EVAL / "seed_sentences.jsonl")
    texts = texts_of(base, [GEN / "articles"])
    seed_texts = {
        key(s.sentence.text): s.sentence.text
        for s in analyze(base).scored
        if s.sentence.role is Role.CONTENT
    }
    pairs = []
    for g in gold:
        if g["role"] == "content" and (text := texts.get((g["doc"], key(g["text"])))):
            pairs.append((text, g["section"]))
    for g in seeds:
        if g["role"] == "content" and (text := seed_texts.get(key(g["text"]))):
            pairs.append((text, g["section"]))
    examples = teach.record([], pairs, DAY)
    loaded = taught(base, examples, tmp)
    print(f"{len(examples)} sentences taught")
    print("| set | labelled content | keywords + learned layer | + everything taught |")
    print("|---|---|---|---|")
    for labels in sorted(heldout.glob("labels_*.jsonl")):
        held = read_gold(labels)
        docs = sorted({g["doc"] for g in held})
        where = copies(tmp, labels.stem, docs, GEN / "context")
        content = sum(1 for g in held if g["role"] == "content")
        before = accuracy(base, held, [where])
        after = accuracy(loaded, held, [where])
        print(f"| {labels.stem} | {content} | {before:.3f} | {after:.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", default=str(ROOT / "config.yaml"))
    parser.add_argument("--encoder", help="a sentence-transformers model folder")
    parser.add_argument("--heldout", help="a folder of labels_*.jsonl of context articles")
    parser.add_argument("--only", choices=["curve", "halves", "everything"])
    args = parser.parse_args()
    plain = config.load(args.config)
    gold = read_gold(GEN / "sentences.jsonl")
    runs = [("without the encoder", encoded(plain, None))]
    if args.encoder:
        runs.append(("with the encoder", encoded(plain, args.encoder)))
    for name, base in runs:
        with tempfile.TemporaryDirectory() as t:
            tmp = Path(t)
            start = time.perf_counter()
            if args.only in (None, "curve"):
                print(f"\n## Learning curve, {name}\n")
                curve(base, gold, tmp)
            if args.only in (None, "halves"):
                print(f"\n## Ten examples a section, {name}\n")
                print("| split | before | after |\n|---|---|---|")
                halves(base, gold, tmp)
            if args.heldout and args.only in (None, "everything"):
                print(f"\n## Everything taught, other articles scored, {name}\n")
                everything(base, gold, Path(args.heldout), tmp)
            print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

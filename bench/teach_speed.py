"""Benchmark: what the encoder costs a build, side by side with the same build without it.

    .venv/bin/python bench/teach_speed.py [--sizes 100 1000] [--encoder DIR]

A config of five topic sections (four keywords each) over N BBC articles
(../shared/data/bbc, read in place, the topics in turn), with 318 taught examples
(every labelled content sentence of ../shared/eval, recorded as `digest teach` does), so
the example model is trained and used. For each size, each in a fresh state store:
``digest build`` without the encoder, then with it cold (empty vector cache), then warm
(the same build again: every vector cached), wall time of ``build.build`` in-process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import config, teach  # noqa: E402
from digest.build import build  # noqa: E402
from tests.labelled import key, read_gold  # noqa: E402

SHARED = ROOT.parent / "shared"
TOPICS = {
    "business": ["shares", "profits", "economy", "bank"],
    "entertainment": ["film", "album", "actor", "award"],
    "politics": ["election", "minister", "party", "MPs"],
    "sport": ["match", "coach", "championship", "cup"],
    "tech": ["software", "internet", "computer", "mobile"],
}


def project(tmp: Path, size: int, encoder: str | None) -> Path:
    bbc = SHARED / "data" / "bbc"
    files = {t: sorted((bbc / t).glob("*.txt")) for t in TOPICS}
    order = list(TOPICS) * size
    chosen = [files[order[n]][n // len(TOPICS)] for n in range(size)]
    articles = tmp / "articles"
    articles.mkdir(exist_ok=True)
    for path in chosen:
        (articles / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    lines = ["briefing:", "  title: BBC", "  date: 2005-03-01", "sources:"]
    lines += ["  - kind: file", "    id: bbc", f"    path: '{articles}/*.txt'", "sections:"]
    for topic, words in TOPICS.items():
        lines += [f"  - id: {topic}", f"    title: {topic}", f"    keywords: {words}"]
    lines += ["classify:", "  min_score: 1"]
    if encoder:
        lines += [f"  encoder: '{encoder}'"]
    lines += ["state:", f"  path: '{tmp / 'state.sqlite'}'"]
    path = tmp / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def examples(sections: list[str]) -> list[teach.Example]:
    """Every labelled content sentence of ../shared/eval, filed under one of the BBC
    sections by a fixed map of the sample's sections (what is taught matters less here
    than how many: the cost is the point)."""
    mapping = {
        "call_details": "politics",
        "tariffs": "business",
        "rare_earths": "business",
        "market_reaction": "business",
        "risks": "politics",
        "other": "other",
    }
    gold = read_gold(SHARED / "eval" / "seed_sentences.jsonl")
    gold += read_gold(SHARED / "eval" / "generalization" / "sentences.jsonl")
    pairs = [(key(g["text"]), mapping[g["section"]]) for g in gold if g["role"] == "content"]
    return teach.record(
        [], [(t, s) for t, s in pairs if s in (*sections, "other")], date(2026, 1, 1)
    )


def timed(path: Path, out: Path) -> float:
    loaded = config.load(path)
    start = time.perf_counter()
    build(loaded, out_dir=out, formats=["json"])
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--encoder", default=str(ROOT / ".cache" / "all-MiniLM-L6-v2"))
    args = parser.parse_args()
    print(
        "| articles | without encoder | with encoder, cold | with encoder, warm"
        " | cold ÷ without | warm ÷ without |"
    )
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            plain = project(Path(a), size, None)
            teach.write(plain.parent / "examples.yaml", examples(list(TOPICS)))
            without = timed(plain, Path(a) / "out")
            enc = project(Path(b), size, args.encoder)
            teach.write(enc.parent / "examples.yaml", examples(list(TOPICS)))
            cold = timed(enc, Path(b) / "out")
            warm = timed(enc, Path(b) / "out")
        print(
            f"| {size} | {without:.2f} s | {cold:.2f} s | {warm:.2f} s | "
            f"{cold / without:.2f}× | {warm / without:.2f}× |"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

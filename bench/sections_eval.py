"""Measure sentence splitting, roles and sections on the labelled articles.

    .venv/bin/python bench/sections_eval.py [-c config.yaml] [--context] [--errors]

Seeds: the config's own sources against ../shared/eval/seed_sentences.jsonl.
Generalization: the config's sections on ../shared/eval/generalization/articles
(with --context, also its ~190 unlabelled articles of the same months, read in the
same build as a day's corpus would be); only the labelled sentences are scored.
The gates in tests/test_gates.py compute the same figures with the same code.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import config  # noqa: E402
from tests.labelled import produce, read_gold, score, with_articles  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", default=str(ROOT / "config.yaml"))
    parser.add_argument("--context", action="store_true", help="also with the context corpus")
    parser.add_argument("--errors", action="store_true", help="list every error")
    args = parser.parse_args()
    loaded = config.load(args.config)
    gen = EVAL / "generalization"
    runs = [
        ("seeds", read_gold(EVAL / "seed_sentences.jsonl"), loaded),
        (
            "generalization",
            read_gold(gen / "sentences.jsonl"),
            with_articles(loaded, gen / "articles"),
        ),
    ]
    if args.context:
        runs.append(
            (
                "generalization+context",
                read_gold(gen / "sentences.jsonl"),
                with_articles(loaded, gen / "articles", gen / "context"),
            )
        )
    for name, gold, cfg in runs:
        start = time.perf_counter()
        s = score(gold, produce(cfg))
        print(f"{name:<24} {s.line()}  ({time.perf_counter() - start:.1f} s)")
        if args.errors:
            for text in s.missing:
                print(f"   missing: {text[:150]}")
            for text in s.wrong_roles:
                print(f"   role: {text[:150]}")
            for want, got, text in s.wrong_sections:
                print(f"   {want:>15} → {got:<15} {text[:120]}")
            for section, (p, r) in s.per_section.items():
                print(f"   {section:<16} precision {p:.3f}  recall {r:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Make the fonts shipped in ``templates/fonts/`` from Noto Serif and Noto Sans.

    .venv/bin/python tools/make_fonts.py [--source /usr/share/fonts/truetype/noto]

The briefing's HTML and PDF set their text in these files (``templates/fonts.css``), so
every machine prints the same briefing whatever fonts it has. They are Noto Serif
(regular, italic, bold) and Noto Sans (regular, bold), version 2.004, from Debian's
``fonts-noto-core`` 20201225-1 (``apt-get download fonts-noto-core``, then ``dpkg-deb -x``
it, or install it), cut down to the Latin alphabets, punctuation and currency signs
(:data:`UNICODES`), without hinting, as WOFF2: about 25 KB a face instead of 600 KB. Both
are under the SIL Open Font License 1.1 with no Reserved Font Name, so a subset may keep
its name (``templates/fonts/OFL.txt``, ``templates/fonts/README.md``). The WOFF2 files
keep their tables untransformed (see :func:`make`).

The output is the same bytes for the same input and fontTools version: the font's own
timestamps are kept, not set to the time of the run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.woff2 import WOFF2FlavorData

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "fonts"
FACES = (
    "NotoSerif-Regular",
    "NotoSerif-Italic",
    "NotoSerif-Bold",
    "NotoSans-Regular",
    "NotoSans-Bold",
)
# Basic Latin, Latin-1, Latin Extended-A, Romanian's comma accents, modifier letters and
# the spacing accents, capital sharp s, general punctuation, currency signs, №, ™.
UNICODES = (
    "U+0020-007E,U+00A0-00FF,U+0100-017F,U+0192,U+0218-021B,U+02BB-02BC,U+02C6,U+02DA,"
    "U+02DC,U+1E9E,U+2000-206F,U+20A0-20C0,U+2116,U+2122"
)
# The subsetter's default features, and the figure styles (tabular figures in the table).
FEATURES = [*subset.Options().layout_features, "tnum", "lnum", "onum", "pnum"]


def make(source: Path, out: Path = OUT) -> list[Path]:
    """Subset every face of :data:`FACES` from ``source`` into ``out``; the paths written."""
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for face in FACES:
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = FEATURES
        options.name_IDs = ["*"]  # copyright, licence and trademark notices stay in the file
        options.hinting = False
        options.desubroutinize = True
        font = TTFont(source / f"{face}.ttf", recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        # No WOFF2 table transforms: the PDF renderer (WeasyPrint, through fontTools)
        # undoes the glyf transform in Python, 85 ms a face on every PDF; untransformed,
        # a face costs 2 ms to open and 3 KB more.
        font.flavorData = WOFF2FlavorData(transformedTables=())
        target = out / f"{face}.woff2"
        subset.save_font(font, str(target), options)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=Path("/usr/share/fonts/truetype/noto"),
        help="the folder of NotoSerif-Regular.ttf and the others",
    )
    args = parser.parse_args(argv)
    missing = [f for f in FACES if not (args.source / f"{f}.ttf").is_file()]
    if missing:
        print(f"make_fonts: not in {args.source}: {', '.join(missing)}", file=sys.stderr)
        return 1
    for path in make(args.source):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

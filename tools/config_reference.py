"""Regenerate the README's config reference tables from the schema's field docstrings.

    .venv/bin/python tools/config_reference.py

The docstrings are the one place a key is described; tests/test_config.py fails when
a key is missing from the README.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from digest import config as c

README = Path(__file__).resolve().parents[1] / "README.md"
START = "#### `briefing`"
END = "An editor's note (`briefing.note`"
MODELS: list[tuple[str, type[BaseModel]]] = [
    ("briefing", c.BriefingConfig),
    ("sources[] (kind: file)", c.FileSource),
    ("sources[] (kind: feed)", c.FeedSource),
    ("sources[] (kind: page)", c.PageSource),
    ("sources[] (kind: opml)", c.OpmlSource),
    ("sections[]", c.SectionConfig),
    ("classify", c.ClassifyConfig),
    ("select", c.SelectConfig),
    ("figures", c.FiguresConfig),
    ("people", c.PeopleConfig),
    ("people.watchlist[]", c.WatchConfig),
    ("boilerplate", c.BoilerplateConfig),
    ("fetch", c.FetchConfig),
    ("output", c.OutputConfig),
    ("output.pdf", c.PdfConfig),
    ("access", c.AccessConfig),
    ("state", c.StateConfig),
    ("build", c.BuildConfig),
    ("email", c.EmailConfig),
    ("email.smtp", c.SmtpConfig),
]


def tables() -> str:
    out = []
    for title, model in MODELS:
        doc = " ".join((model.__doc__ or "").split())
        out.append(f"#### `{title}`\n\n{doc}\n\n| key | default | meaning |\n|---|---|---|")
        for name, field in model.model_fields.items():
            if field.is_required():
                default = "required"
            elif field.default_factory is not None:
                value = field.default_factory()  # type: ignore[call-arg]
                default = "see below" if isinstance(value, BaseModel) else f"`{value}`"
            elif field.default is None:
                default = "—"
            else:
                default = f"`{field.default}`"
            meaning = " ".join((field.description or "").split()).replace("``", "`")
            out.append(f"| `{name}` | {default} | {meaning} |")
        out.append("")
    return "\n".join(out) + "\n"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(START), text.index(END)
    README.write_text(text[:start] + tables() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main()

"""Select stage: the items each section shows, most relevant first, within its budget."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .classify import OTHER
from .config import SectionConfig
from .models import Item, Section


def select(
    items: Sequence[Item],
    sections: Sequence[SectionConfig],
    notes: Mapping[str, str | None] | None = None,
) -> tuple[tuple[Section, ...], tuple[Item, ...]]:
    """Return the shown sections and the ``other`` items (kept for JSON and explain)."""
    chosen = []
    for config in sections:
        ranked = sorted(
            (i for i in items if i.section == config.id),
            key=lambda i: (-i.score, -len(i.source_numbers), _first(i)),
        )
        chosen.append(
            Section(
                id=config.id,
                title=config.title,
                description=config.description,
                items=tuple(ranked[: config.max_items]),
                note=(notes or {}).get(config.id, config.note),
            )
        )
    other = tuple(sorted((i for i in items if i.section == OTHER), key=_first))
    return tuple(chosen), other


def _first(item: Item) -> tuple[int, int]:
    c = item.citations[0]
    return (c.number, c.sentence_index)

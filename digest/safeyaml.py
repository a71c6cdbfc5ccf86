"""YAML read with bounds: a config or an article's front matter is data, never work.

PyYAML's SafeLoader builds no objects of its own choosing, but it will compose any number
of nodes, nest as deep as Python's stack allows and follow aliases that multiply a small
text into billions of elements. These loaders stop early instead.
"""

from __future__ import annotations

from typing import Any

import yaml


class TooLarge(yaml.YAMLError):
    """The text has more nodes, deeper nesting or more aliases than allowed."""


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses a document past ``max_nodes`` nodes, ``max_depth`` levels
    or ``max_aliases`` aliases, while it is being composed (so a 50 MB file of list items
    stops at the limit, not after its whole tree is built)."""

    max_nodes = 100_000
    max_depth = 50
    max_aliases = 100

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.max_aliases:
                raise TooLarge(f"more than {self.max_aliases} aliases")
        self._nodes += 1
        if self._nodes > self.max_nodes:
            raise TooLarge(f"more than {self.max_nodes} YAML nodes")
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise TooLarge(f"nested more than {self.max_depth} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class FrontMatterLoader(BoundedLoader):
    """An article's front matter: a few fields, never thousands, never aliases."""

    max_nodes = 2_000
    max_depth = 10
    max_aliases = 0

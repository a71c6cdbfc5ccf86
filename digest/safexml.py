"""XML read safely: an OPML file or a feed file is data from elsewhere, never work.

The standard library's parser expands entities a document declares for itself, so a
few hundred bytes of DTD ("billion laughs") can become gigabytes. Neither OPML nor
Atom needs a DTD, so a document that declares one is refused at its ``<!DOCTYPE``,
before any declaration in it is read; an undeclared entity is already a parse error.
defusedxml would do the same, but it is not among digest's dependencies.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# What XML 1.0 allows in text and attribute values; anything else makes the file invalid.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class XMLRefused(ValueError):
    """Not well-formed, or declares a DTD; ``line`` is where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _NoDTD(ET.TreeBuilder):
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise XMLRefused(
            f"declares a DTD (<!DOCTYPE {name}>), which is refused: its entities could "
            "expand without bound or read local files"
        )


def parse(data: bytes) -> ET.Element:
    """The document's root element; raises XMLRefused."""
    parser = ET.XMLParser(target=_NoDTD())
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise XMLRefused(f"not well-formed XML: {exc}", line) from None


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (a title's stray ``\\x0b``)."""
    return _NOT_XML.sub("", text)


def local_name(tag: str) -> str:
    """``{http://www.w3.org/2005/Atom}entry`` → ``entry``."""
    return tag.rsplit("}", 1)[-1]

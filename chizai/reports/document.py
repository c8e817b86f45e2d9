"""A document (帳票) as a list of blocks, independent of its format: HTML/PDF and Word render the same blocks.

Builders (chizai/reports/builders.py) turn the data of a page into a `Document`; renderers
(`html.py`, `pdf.py`, `docx.py`) turn a `Document` into bytes. A document holds only text already formatted
the plan's way (chizai.lib.numbers), so every format shows the same figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False


@dataclass(frozen=True)
class Table:
    """A table with a caption; `widths` are relative column widths (the text columns get the room)."""

    caption: str
    headers: list[str]
    rows: list[list[str]]
    widths: list[int] | None = None
    numeric: frozenset[int] = frozenset()

    def width_percents(self) -> list[float]:
        widths = self.widths or [1] * len(self.headers)
        total = sum(widths)
        return [round(100 * w / total, 1) for w in widths]


@dataclass(frozen=True)
class Chart:
    """A chart as SVG (vector; PNG for Word's fallback) with its text equivalent: a caption stating every figure."""

    title: str
    svg: str
    png: bytes
    caption: str


Block = Heading | Paragraph | Table | Chart


@dataclass
class Document:
    """One document: what it is, when it was made, as of which date its data stands, and its blocks."""

    kind: str
    title: str
    subtitle: str
    created: datetime.date
    as_of: datetime.date
    demo: bool
    blocks: list[Block] = field(default_factory=list)

    @property
    def filename_stem(self) -> str:
        return f"{self.kind}_{self.as_of:%Y%m%d}"

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def text(self) -> str:
        """Every text of the document, for tests and search (the figures as the reader sees them)."""
        parts: list[str] = [self.title, self.subtitle]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                parts.append(block.text)
            elif isinstance(block, Table):
                parts += [block.caption, *block.headers, *(cell for row in block.rows for cell in row)]
            else:
                parts += [block.title, block.caption]
        return "\n".join(parts)

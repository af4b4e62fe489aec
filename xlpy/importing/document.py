"""The document model every reader produces: paragraphs and table rows in reading order, each with its place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Cell:
    """One table cell as printed (text joined over its lines; blank is "")."""

    text: str
    where: str  # "第4页 表2 第7行第4列" / "表3 第7行第4列"


@dataclass(slots=True)
class Block:
    """A paragraph (cells empty) or one table row (cells set), in reading order."""

    text: str
    where: str  # "第12行", "第3页", "表3 第7行"
    cells: list[Cell] | None = None
    lead: str = ""  # a bold run at the start of a paragraph (xlpy's own lead-in of an overview part)

    @property
    def is_row(self) -> bool:
        return self.cells is not None


@dataclass(slots=True)
class Document:
    """A published report as read from one file."""

    name: str  # file name for messages
    kind: str  # pdf | html | docx | text
    blocks: list[Block] = field(default_factory=list)
    hints: dict[str, str] = field(default_factory=dict)  # title / published / publisher from page metadata

    @property
    def table_rows(self) -> int:
        return sum(1 for b in self.blocks if b.is_row)

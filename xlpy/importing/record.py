"""The import record: for every field where it came from and whether it was read, inferred or left blank."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

READ, SPLIT, INFERRED, BLANK = "read", "split", "inferred", "blank"


@dataclass(slots=True)
class Source:
    """Where one field's value came from."""

    status: str  # read | split (run-together digits split by the sums) | inferred | blank
    where: str = ""  # place in the document
    text: str = ""  # what was printed there
    note: str = ""


@dataclass(slots=True)
class ImportRecord:
    """Per field path a Source; cells it could not read listed as ambiguous; notes on the whole document."""

    file: str
    kind: str
    version: str
    fields: dict[str, Source] = field(default_factory=dict)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The outline as published (title, official headings, table labels as printed), for the O- rules.
    outline: dict[str, Any] = field(default_factory=dict)

    def set(self, path: str, status: str, where: str = "", text: str = "", note: str = "") -> None:
        self.fields[path] = Source(status, where, text, note)

    def places(self) -> dict[str, str]:
        """field path -> the place in the document, for findings (like 表三!D8 for a workbook)."""
        return {p: s.where for p, s in self.fields.items() if s.where}

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.fields.values():
            out[s.status] = out.get(s.status, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "format_version": self.version,
            "counts": self.counts(),
            "fields": {
                p: {
                    k: v for k, v in (("status", s.status), ("where", s.where), ("text", s.text), ("note", s.note)) if v
                }
                for p, s in self.fields.items()
            },
            "ambiguous": self.ambiguous,
            "notes": self.notes,
            "outline": self.outline,
        }

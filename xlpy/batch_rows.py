"""A batch's rows: one workbook's summary line (Row), the spool that keeps finished rows on disk, the run's exit code."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from xlpy.agency_names import agency_key

STATUS_ZH = {
    "ok": "通过",
    "blocked": "有问题",
    "incomplete": "校验未完成",
    "unusable": "无法使用",
    "failed": "处理失败",
}
SPOOL_NAME = ".xlpy-summary-rows.jsonl"


@dataclass
class Row:
    """One workbook's line in the summary."""

    file: str
    agency: str = ""
    year: int | None = None
    version: str = ""
    errors: int = 0
    warnings: int = 0
    explained: int = 0
    hints: int = 0
    status: str = "failed"  # ok | blocked | incomplete | unusable | failed
    top_findings: str = ""
    last_year_file: str = ""
    note: str = ""
    outputs: list[str] = field(default_factory=list)
    rollup: dict[str, Any] | None = None  # what the roll-up and indicators need (xlpy.batch_rollup.figures)

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "blocked": 1}.get(self.status, 2)

    def to_dict(self) -> dict[str, Any]:
        """The row's fields, shallow: dataclasses.asdict deep-copies the roll-up vector of every row, twice per file."""
        return {name: getattr(self, name) for name in _ROW_FIELDS}


_ROW_FIELDS = tuple(f.name for f in fields(Row))


def exit_code(rows: Iterable[Row]) -> int:
    """The worst outcome: 2 unusable/failed (or nothing found), 1 blocked, 0 all pass."""
    return max((r.exit_code for r in rows), default=2)


class RowSpool:
    """Finished rows on disk (one JSON line each, in finishing order), read back in input order.

    Only a byte offset per file and the (agency, year) keys stay in memory. Two usable workbooks of
    the same agency and year are flagged in both rows' 备注 when read back (a duplicate submission?).
    """

    def __init__(self, path: Path, order: list[str]) -> None:
        self.path = path
        self._order = order
        self._index = {p: i for i, p in enumerate(order)}
        self._offsets: list[int | None] = [None] * len(order)
        self._keys: dict[tuple[str, int], list[int]] = {}
        self._fh = open(path, "w+b")  # noqa: SIM115 — open for the spool's lifetime, closed by close()
        self.counts = dict.fromkeys(STATUS_ZH, 0)

    def add(self, row: Row) -> None:
        i = self._index[row.file]
        self._fh.seek(0, os.SEEK_END)
        self._offsets[i] = self._fh.tell()
        self._fh.write(json.dumps(row.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n")
        self.counts[row.status] = self.counts.get(row.status, 0) + 1
        key = agency_key(row.agency)
        if key and isinstance(row.year, int) and row.status in ("ok", "blocked", "incomplete"):
            self._keys.setdefault((key, row.year), []).append(i)

    def finish(self) -> None:
        for p, i in self._index.items():
            if self._offsets[i] is None:  # a worker lost a file: still a row, never a gap in the summary
                self.add(Row(file=p, status="failed", note="处理失败（没有得到结果）"))
        self._fh.flush()

    @property
    def duplicates(self) -> list[list[str]]:
        """Files of usable workbooks sharing an agency and year (each group has two or more)."""
        return [[self._order[i] for i in sorted(g)] for g in self._keys.values() if len(g) > 1]

    def __len__(self) -> int:
        return len(self._offsets)

    def __iter__(self) -> Iterator[Row]:
        notes: dict[int, str] = {}
        for group in self._keys.values():
            for i in group if len(group) > 1 else ():
                others = "、".join(Path(self._order[j]).name for j in sorted(group) if j != i)
                notes[i] = f"同一机关同一年度还有：{others}（是否重复提交？）"
        for i, offset in enumerate(self._offsets):
            assert offset is not None, "finish() was not called"
            self._fh.seek(offset)
            row = Row(**json.loads(self._fh.readline()))
            if i in notes:
                row.note = "；".join(filter(None, [row.note, notes[i]]))
            yield row

    def close(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)

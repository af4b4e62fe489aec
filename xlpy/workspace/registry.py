"""The agency registry file (机构名录 .xlsx/.csv): reading and checking it before anything is imported."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from xlpy.errors import InputError
from xlpy.resources import load_json

_SPEC = "workspace.json"


class RegistryError(InputError):
    """The registry file has problems; `problems` lists every one by row, nothing was imported."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message, code="registry")
        self.problems = problems


def read_rows(data: bytes, name: str) -> list[tuple[int, dict[str, str]]]:
    """(row number as the clerk sees it, {column key: text}) for every non-empty row of the file."""
    table = _table(data, name)
    if not table:
        raise RegistryError(f"{name}：文件为空", [])
    header = [str(h or "").strip() for h in table[0]]
    spec = load_json(_SPEC)
    columns: dict[str, int] = {}
    for key, aliases in spec["registry_columns"].items():
        for i, title in enumerate(header):
            if title in aliases and key not in columns:
                columns[key] = i
    missing = [spec["registry_columns"][k][0] for k in spec["required_columns"] if k not in columns]
    if missing:
        raise RegistryError(
            f"{name} 第 1 行（表头）缺少列：{'、'.join(missing)}（表头应为：{'、'.join(_titles(spec))}）",
            [],
        )
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {k: _text(values[i]) if i < len(values) else "" for k, i in columns.items()}
        if any(cells.values()):
            rows.append((number, cells))
    return rows


def check(
    rows: list[tuple[int, dict[str, str]]], name: str, existing: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The agencies to save; RegistryError listing every problem (with its row) when there is any.

    `existing` is the registry already in the database: a parent may be one of those, a name may not be
    taken by another ID, and the result must stay free of cycles.
    """
    from xlpy.schema import org_types

    types = list(org_types())
    existing = existing or []
    problems: list[str] = []
    by_id: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for number, r in rows:
        where = f"第 {number} 行"
        if not r.get("id"):
            problems.append(f"{where}：机构编号为空")
        elif r["id"] in by_id:
            problems.append(f"{where}：机构编号 {r['id']} 与第 {by_id[r['id']]} 行重复")
        else:
            by_id[r["id"]] = number
        if not r.get("name"):
            problems.append(f"{where}：机构全称为空")
        elif r["name"] in by_name:
            problems.append(f"{where}：机构全称“{r['name']}”与第 {by_name[r['name']]} 行重复")
        else:
            by_name[r["name"]] = number
        if r.get("org_type") not in types:
            problems.append(
                f"{where}：机关类型“{r.get('org_type') or '（空）'}”不在允许的类型中（可用：{'、'.join(types)}）"
            )
    file_ids = {r["id"] for _, r in rows if r.get("id")}
    for a in existing:
        if a["name"] in by_name and a["id"] not in file_ids | {_id_of(rows, by_name[a["name"]])}:
            problems.append(f"第 {by_name[a['name']]} 行：机构全称“{a['name']}”已被名录中的机构 {a['id']} 使用")
    # Parents: an ID or a full name, of this file or of the registry already stored.
    name_to_id = {a["name"]: a["id"] for a in existing} | {r["name"]: r["id"] for _, r in rows if r.get("name")}
    known_ids = {a["id"] for a in existing} | file_ids
    parents: dict[str, str | None] = {a["id"]: a.get("parent_id") for a in existing}
    out = []
    for number, r in rows:
        parent = r.get("parent") or ""
        parent_id = parent if parent in known_ids else name_to_id.get(parent) if parent else None
        if parent and parent_id is None:
            problems.append(f"第 {number} 行：上级机构“{parent}”既不是名录中的机构编号，也不是机构全称")
        elif parent_id is not None and parent_id == r.get("id"):
            problems.append(f"第 {number} 行：上级机构是机构自身")
        if r.get("id"):
            parents[r["id"]] = parent_id
        out.append({**{k: r.get(k, "") for k in ("id", "name", "org_type", "contact")}, "parent_id": parent_id})
    problems += _cycles(parents, by_id)
    if problems:
        raise RegistryError(f"{name}：机构名录有 {len(problems)} 处问题，未导入任何机构", problems)
    return out


def load(path: str | Path, existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Read and check a registry file (.xlsx or .csv)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取机构名录 {path}：{exc.strerror or exc}", code="missing") from exc
    return check(read_rows(data, path.name), path.name, existing)


def _cycles(parents: dict[str, str | None], rows_by_id: dict[str, int]) -> list[str]:
    problems: list[str] = []
    reported: set[str] = set()
    for start in parents:
        chain: list[str] = []
        seen: set[str] = set()
        node: str | None = start
        while node is not None and node not in seen:
            seen.add(node)
            chain.append(node)
            node = parents.get(node)
        if node is not None and node == start and start not in reported:
            loop = chain[chain.index(node) :]
            reported |= set(loop)
            where = "、".join(f"第 {rows_by_id[a]} 行" for a in loop if a in rows_by_id)
            problems.append(f"{where}：上级机构形成循环（{' → '.join([*loop, node])}）")
    return problems


def _id_of(rows: list[tuple[int, dict[str, str]]], number: int) -> str:
    return next((r.get("id", "") for n, r in rows if n == number), "")


def _titles(spec: dict[str, Any]) -> list[str]:
    return [aliases[0] for aliases in spec["registry_columns"].values()]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an ID typed as a number in Excel comes back as 101.0
    return str(value if value is not None else "").strip()


def _table(data: bytes, name: str) -> list[list[Any]]:
    if data[:2] == b"PK" or name.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx(data, name)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RegistryError(f"{name}：既不是 Excel 工作簿，也不是 UTF-8 或 GBK 编码的 CSV 文件", [])
    return [row for row in csv.reader(io.StringIO(text))]


def _xlsx(data: bytes, name: str) -> list[list[Any]]:
    import python_calamine

    from xlpy.safety import check_zip

    check_zip(data, name)  # the same zip-bomb guard as for report workbooks
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        return [list(r) for r in sheet.to_python()]
    except Exception as exc:  # calamine raises several error types for broken parts
        raise RegistryError(f"{name}：工作簿已损坏或无法读取（{type(exc).__name__}）", []) from exc

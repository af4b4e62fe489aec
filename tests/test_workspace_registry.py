"""`xlpy agencies import`: a registry file (.csv / .xlsx) is imported whole, or not at all with every bad row named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from xlpy.cli import run
from xlpy.workspace import registry
from xlpy.workspace.database import open_database
from xlpy.workspace.store import Store

HEADER = "机构编号,机构全称,机关类型,上级机构,联系方式\n"
GOOD = HEADER + (
    "C,淮安市人民政府,设区的市、自治州人民政府,,0517-1\n"
    "T,淮安区车桥镇人民政府,乡镇人民政府,淮安区人民政府,\n"  # a child before its parent, parent by name
    "A,淮安区人民政府,县级人民政府,C,\n"
)


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def test_csv_import_then_list(tmp_path: Path) -> None:
    db, names = str(tmp_path / "w.db"), tmp_path / "名录.csv"
    names.write_text(GOOD, encoding="utf-8-sig")
    code, out, err = cli("agencies", "--db", db, "import", str(names))
    assert code == 0, err
    assert "新增 3 个机构" in out
    store = Store(open_database(db))
    try:
        assert {a["id"]: a["parent_id"] for a in store.agencies()} == {"A": "C", "C": None, "T": "A"}
        assert store.agency("C")["contact"] == "0517-1"
        assert store.scope("C") == ["C", "A", "T"]
    finally:
        store.engine.dispose()
    # Importing again updates in place (IDs are stable), and the parent may be an agency already stored.
    names.write_text(HEADER + "B,清江浦区人民政府,县级人民政府,C,\nA,淮安市淮安区人民政府,县级人民政府,C,\n", "utf-8")
    code, out, _ = cli("agencies", "--db", db, "import", str(names))
    assert code == 0 and "新增 1 个机构，更新 1 个" in out
    code, out, _ = cli("agencies", "--db", db, "list")
    assert "A\t淮安市淮安区人民政府\t县级人民政府\tC" in out and out.count("\n") == 4


def test_xlsx_import_with_numeric_ids(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["机构编号", "机构名称", "机关类型", "上级机构编号"])
    ws.append([101, "某市人民政府", "设区的市、自治州人民政府", None])
    ws.append([102, "某市教育局", "市级政府部门", 101])
    path = tmp_path / "名录.xlsx"
    wb.save(path)
    rows = registry.load(path)
    assert [(r["id"], r["parent_id"]) for r in rows] == [("101", None), ("102", "101")]


def test_every_problem_is_listed_by_row_and_nothing_imported(tmp_path: Path) -> None:
    db, names = str(tmp_path / "w.db"), tmp_path / "名录.csv"
    names.write_text(
        HEADER
        + "C,淮安市人民政府,设区的市、自治州人民政府,,\n"
        + "A,淮安区人民政府,县政府,C,\n"  # unknown 机关类型
        + "B,淮安市人民政府,县级人民政府,C,\n"  # duplicate name
        + "A,另一个,县级人民政府,C,\n"  # duplicate ID
        + "X,某镇,乡镇人民政府,不存在的区,\n"  # missing parent
        + "P,甲镇,乡镇人民政府,Q,\n"
        + "Q,乙镇,乡镇人民政府,P,\n",  # a cycle
        encoding="utf-8",
    )
    code, out, err = cli("agencies", "--db", db, "import", str(names))
    assert code == 2 and out == ""
    assert "名录.csv：机构名录有 5 处问题，未导入任何机构" in err
    assert "第 3 行：机关类型“县政府”不在允许的类型中" in err
    assert "第 4 行：机构全称“淮安市人民政府”与第 2 行重复" in err
    assert "第 5 行：机构编号 A 与第 3 行重复" in err
    assert "第 6 行：上级机构“不存在的区”既不是名录中的机构编号，也不是机构全称" in err
    assert "第 7 行、第 8 行：上级机构形成循环（P → Q → P）" in err
    assert "Traceback" not in err
    store = Store(open_database(db))
    try:
        assert store.agencies() == []
    finally:
        store.engine.dispose()


def test_a_name_taken_by_a_stored_agency_and_a_cycle_through_the_database(tmp_path: Path) -> None:
    existing = [
        {"id": "C", "name": "市政府", "parent_id": None},
        {"id": "A", "name": "区政府", "parent_id": "C"},
    ]
    rows = registry.read_rows(
        (HEADER + "Z,区政府,县级人民政府,C,\nC,市政府,设区的市、自治州人民政府,A,\n").encode(), "x.csv"
    )
    with pytest.raises(registry.RegistryError) as caught:
        registry.check(rows, "x.csv", existing)
    problems = "\n".join(caught.value.problems)
    assert "第 2 行：机构全称“区政府”已被名录中的机构 A 使用" in problems
    assert "上级机构形成循环" in problems


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        ("机构名称,机关类型\n某局,市级政府部门\n".encode(), "第 1 行（表头）缺少列：机构编号"),
        (b"\xff\xfe\x00\x01garbage\x80\x81", "既不是 Excel 工作簿，也不是 UTF-8 或 GBK 编码的 CSV 文件"),
        (b"PK\x03\x04broken", "名录.xlsx"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / ("名录.xlsx" if content.startswith(b"PK") else "名录.csv")
    path.write_bytes(content)
    code, _, err = cli("agencies", "--db", str(tmp_path / "w.db"), "import", str(path))
    assert code == 2 and message in err and "Traceback" not in err


def test_gbk_csv_from_an_old_excel(tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    path.write_bytes(GOOD.encode("gb18030"))
    assert [r["name"] for r in registry.load(path)][0] == "淮安市人民政府"


def test_token_command(tmp_path: Path) -> None:
    db, names = str(tmp_path / "w.db"), tmp_path / "名录.csv"
    names.write_text(GOOD, encoding="utf-8")
    cli("agencies", "--db", db, "import", str(names))
    code, out, err = cli("agencies", "--db", db, "token", "A", "--role", "supervisor")
    assert code == 0 and "审核人令牌" in err
    store = Store(open_database(db))
    try:
        who = store.principal(out.strip())
        assert who is not None and (who.role, who.agency_id, who.label) == ("supervisor", "A", "淮安区人民政府")
    finally:
        store.engine.dispose()
    code, _, err = cli("agencies", "--db", db, "token", "Z")
    assert code == 2 and "机构编号 Z 不在机构名录中" in err

"""One verdict, five front ends: the same scenarios through the CLI (a subprocess), the HTTP API, the xlwings
script route, annotate and batch must give the same status, the exit code ↔ HTTP status of xlpy/verdict.py,
and the same one-line status — the divergences issue 9 lists are rows of this table.

The expected line comes from `xlpy.verdict.check` on the same files (the one policy); each scenario also
states the status it must reach, so a policy change cannot pass unnoticed. The Excel route validates the
open workbook only (the xlwings protocol carries no last-year file): last-year scenarios are not sent there.
Nothing is mocked except, in the crashing-rule scenario, one checker replaced by one that raises.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.helpers import workbook_with
from xlpy import findings_sheet as fs
from xlpy.cli import run as cli
from xlpy.config import Config
from xlpy.resources import workbook_dir
from xlpy.verdict import EXIT_CODES, HTTP_STATUS, REFUSED_HTTP_STATUS, Status, Verdict, check

ROOT = Path(__file__).resolve().parents[1]
HUAIAN = json.loads((workbook_dir() / "examples" / "huaian-2024.json").read_text(encoding="utf-8"))
CRASH = "N-1"  # the checker replaced by one that raises in the crashing-rule scenario

# Runs the real CLI entry point; with "crash" first, one checker is replaced by a raising one (a defect).
CLI_SCRIPT = """
import sys
if sys.argv[1] == "crash":
    from xlpy.rules.context import CHECKERS
    from xlpy.rules.register import import_checkers
    import_checkers()
    def broken(ctx, rule):
        raise ZeroDivisionError("boom")
    CHECKERS["CRASH_ID"] = broken
sys.argv = ["xlpy", *sys.argv[2:]]
from xlpy.cli import main
main()
""".replace("CRASH_ID", CRASH)


def _with_warning() -> dict[str, Any]:
    data = copy.deepcopy(HUAIAN)
    parts = data["text"]["overview"]["parts"]
    i = next(i for i, p in enumerate(parts) if "行政复议351件" in p["body"])
    parts[i]["body"] = parts[i]["body"].replace("行政复议351件", "行政复议352件")  # the table says 351: N-5
    return data


def _last_year(org: str | None = None, year: int = 2023) -> dict[str, Any]:
    """A last-year report consistent with 淮安 2024 (C-1, C-2 hold; its own wording, so C-4 is quiet)."""
    last = copy.deepcopy(HUAIAN)
    last["meta"].update(year=year, date=f"{year + 1}-03-20", org_name=org or HUAIAN["meta"]["org_name"])
    last["s3"]["carried_forward"] = copy.deepcopy(HUAIAN["s3"]["carried_over"])
    for doc in last["s2"]["art20_1"].values():
        doc["in_force"] = doc["in_force"] - doc["issued"] + doc["repealed"]
    last["text"]["overview"] = {"lead": "上年度引言。", "parts": [{"title": "上年", "body": "上年度的工作情况。"}]}
    last["text"]["problems"] = "上年度的问题：栏目更新不够及时。"
    last["text"]["other"] = "上年度未收取信息处理费。"
    return last


@dataclass(frozen=True)
class Scenario:
    name: str
    status: Status
    this: str  # file name in the scenario directory
    last: str | None = None
    crash: bool = False
    excel: bool = True  # the Excel route has no last-year input


SCENARIOS = [
    Scenario("clean", Status.PASSED, "淮安-2024.xlsx"),
    Scenario("errors", Status.FAILED, "错误-2024.xlsx"),
    Scenario("unexplained warning", Status.FAILED, "警告-2024.xlsx"),
    Scenario("explained warning", Status.PASSED, "已说明-2024.xlsx"),
    Scenario("unusable input", Status.UNUSABLE, "坏文件-2024.xlsx"),
    Scenario("clean with last year", Status.PASSED, "淮安-2024.xlsx", "淮安-2023.xlsx", excel=False),
    Scenario("unusable last year", Status.UNUSABLE, "淮安-2024.xlsx", "坏/淮安-2023.xlsx", excel=False),
    Scenario("last year of another year", Status.FAILED, "淮安-2024.xlsx", "淮安-2021.xlsx", excel=False),
    Scenario("last year of another agency", Status.FAILED, "淮安-2024.xlsx", "别的机关/淮安-2023.xlsx", excel=False),
    Scenario("a crashing rule", Status.INCOMPLETE, "淮安-2024.xlsx", crash=True),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("verdict")
    broken = copy.deepcopy(HUAIAN)
    broken["s3"]["new_received"]["natural_person"] += 1  # R-S3-1 / R-S3-3
    warned = workbook_with(_with_warning(), root / "警告-2024.xlsx", {})
    where = check(warned, config=Config()).report.findings[0].cell_refs[0]
    explained = _with_warning()
    # 说明 as a clerk types it: the coordinate alone, lower case, without the sheet (issue 9, item 4)
    explained["explanations"] = [{"rule": "N-5", "location": where.coordinate.lower(), "text": "复议数含上年结转"}]
    for name, data in {
        "淮安-2024.xlsx": HUAIAN,
        "错误-2024.xlsx": broken,
        "已说明-2024.xlsx": explained,
        "淮安-2023.xlsx": _last_year(),
        "淮安-2021.xlsx": _last_year(year=2021),
        "别的机关/淮安-2023.xlsx": _last_year(org="淮安市淮阴区人民政府"),
    }.items():
        (root / name).parent.mkdir(exist_ok=True)
        workbook_with(data, root / name, {})
    # Last-year files named like this year's, so batch pairs them by file name (their agency or year differs).
    (root / "坏").mkdir()
    for name in ("坏文件-2024.xlsx", "坏/淮安-2023.xlsx"):
        (root / name).write_bytes(b"PK\x03\x04 this is not a workbook")
    return root


@pytest.fixture
def crash(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def apply(on: bool) -> None:
        if on:
            from xlpy.rules.context import CHECKERS
            from xlpy.rules.register import import_checkers

            import_checkers()  # registered first, so the replacement is not registered twice

            def broken(ctx: Any, rule: Any) -> Any:
                raise ZeroDivisionError("boom")

            monkeypatch.setitem(CHECKERS, CRASH, broken)

    yield apply


def _plain(text: str, *dirs: Path) -> str:
    """A message without the directories a file was read from (the API knows only the upload's name)."""
    for d in dirs:
        text = text.replace(f"{d}/", "")
    return text


def _expected(files: Path, s: Scenario) -> Verdict:
    verdict = check(files / s.this, last_year=files / s.last if s.last else None, config=Config())
    assert verdict.status is s.status, verdict.status_line
    return verdict


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from xlpy.server.app import create_app

    with TestClient(create_app(executor="threads"), raise_server_exceptions=False) as c:
        yield c


def _upload(client: Any, path: str, files: Path, s: Scenario, **form: str) -> Any:
    parts = {"file": (s.this, (files / s.this).read_bytes())}
    if s.last:
        parts["last_year"] = (Path(s.last).name, (files / s.last).read_bytes())
    return client.post(path, files=parts, data=form)


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_one_verdict_in_every_front_end(s: Scenario, files: Path, client: Any, crash: Any, tmp_path: Path) -> None:
    crash(s.crash)
    want = _expected(files, s)
    line, code = want.status_line, EXIT_CODES[s.status]
    last = ["--last-year", str(files / s.last)] if s.last else []

    # 1. the CLI, as a clerk runs it (a subprocess): exit code, status and the same line in JSON and text
    argv = [sys.executable, "-c", CLI_SCRIPT, "crash" if s.crash else "-", "validate", str(files / s.this), *last]
    as_json = subprocess.run([*argv, "--format", "json"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert as_json.returncode == code, as_json.stderr
    body = json.loads(as_json.stdout)
    assert (body["status"], body["status_line"], body["exit_code"]) == (s.status.value, line, code)
    as_text = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    assert as_text.returncode == code and line in as_text.stdout + as_text.stderr

    # 2. the HTTP API: the status ↔ HTTP mapping, the same line
    r = _upload(client, "/api/validate", files, s)
    assert r.status_code == HTTP_STATUS[s.status], r.text
    if s.status is Status.UNUSABLE:
        assert r.json()["ok"] is False and r.json()["error"] == _plain(want.message, files / "坏", files)
    else:
        assert (r.json()["status"], r.json()["status_line"]) == (s.status.value, line)

    # 3. the xlwings script route (the Excel 校验 button): same status, the line is the alert and the sheet's
    if s.excel:
        from xlpy.excel.payload import payload_from_file

        payload = (
            payload_from_file(files / s.this, name=s.this, client="VBA") if s.status is not Status.UNUSABLE else None
        )
        if payload is None:  # an unusable file never becomes a payload; the route refuses a non-workbook body
            r = client.post("/xlwings/custom-scripts-call/validate", json={"book": {"name": s.this}, "sheets": "x"})
            assert r.status_code == HTTP_STATUS[Status.UNUSABLE]
        else:
            r = client.post("/xlwings/custom-scripts-call/validate", json=payload)
            assert r.status_code == 200, r.text
            out = r.json()["xlpy"]
            assert out["report"]["status"] == s.status.value and out["message"] == line

    # 4. annotate (the WPS copy): exit code, the printed line, the 校验结果 sheet's status row
    annotated = tmp_path / "annotated.xlsx"
    err = io.StringIO()
    stdout = io.StringIO()
    assert cli(["annotate", str(files / s.this), "-o", str(annotated), *last], stdout, err) == code, err.getvalue()
    if s.status is Status.UNUSABLE:
        assert want.message in err.getvalue() and not annotated.exists()
    else:
        assert stdout.getvalue().splitlines()[0] == line
        sheet = load_workbook(annotated)[fs.RESULTS_SHEET]
        assert sheet.cell(fs.STATUS_ROW + 1, 1).value == line

    # 5. batch: the row's status, the exit code, the findings JSON carries the verdict
    inbox, lastdir, outdir = tmp_path / "in", tmp_path / "last", tmp_path / "out"
    inbox.mkdir()
    (inbox / s.this).write_bytes((files / s.this).read_bytes())
    extra = []
    if s.last:
        lastdir.mkdir()
        (lastdir / Path(s.last).name).write_bytes((files / s.last).read_bytes())
        extra = ["--last-year-dir", str(lastdir)]
    assert cli(["batch", str(inbox), "-o", str(outdir), "-j", "1", "-q", *extra], io.StringIO(), io.StringIO()) == code
    findings = json.loads(next((outdir / "findings").glob("*.json")).read_text(encoding="utf-8"))
    assert (findings["status"], _plain(findings["status_line"], inbox, lastdir)) == (
        s.status.value,
        _plain(line, files / "坏", files),
    )


RENDERED = [s for s in SCENARIOS if s.status is not Status.UNUSABLE]


@pytest.mark.parametrize("s", RENDERED, ids=[s.name for s in RENDERED])
def test_final_and_draft_report_in_every_front_end(
    s: Scenario, files: Path, client: Any, crash: Any, tmp_path: Path
) -> None:
    """A final report only when nothing blocks, with the one refusal; a draft always under （草稿）."""
    crash(s.crash)
    want = _expected(files, s)
    last = ["--last-year", str(files / s.last)] if s.last else []
    final_name, draft_name = want.file_name("md"), want.file_name("md", draft=True)
    refusal = want.refusal()
    assert (refusal is None) == (s.status is Status.PASSED)
    assert (draft_name == final_name) == (s.status is Status.PASSED)  # a draft never takes the final name

    # CLI render (a subprocess): final, then draft
    base = [sys.executable, "-c", CLI_SCRIPT, "crash" if s.crash else "-", "render", str(files / s.this), *last]
    final = subprocess.run(
        [*base, "-o", str(tmp_path / "f"), "--to", "md"], capture_output=True, text=True, check=False
    )
    if refusal is None:
        assert final.returncode == 0 and (tmp_path / "f" / final_name).exists()
    else:
        assert final.returncode == EXIT_CODES[s.status] and refusal in final.stderr
        assert not (tmp_path / "f").exists()
    draft = subprocess.run(
        [*base, "-o", str(tmp_path / "d"), "--to", "md", "--draft"], capture_output=True, text=True, check=False
    )
    assert draft.returncode == 0, draft.stderr
    assert [p.name for p in (tmp_path / "d").iterdir()] == [draft_name]

    # HTTP /api/render: 422 with the same refusal, or the report; a draft is named as one
    r = _upload(client, "/api/render", files, s, format="md")
    if refusal is None:
        assert r.status_code == 200 and r.headers["content-disposition"].endswith(quote(final_name))
    else:
        assert r.status_code == REFUSED_HTTP_STATUS and r.json()["error"] == refusal
    r = _upload(client, "/api/render", files, s, format="md", draft="true")
    assert r.status_code == 200 and r.headers["content-disposition"].endswith(quote(draft_name))

    # the Excel 生成报告 button: the same refusal as its message, or the report text
    if s.excel:
        from xlpy.excel.payload import payload_from_file

        payload = payload_from_file(files / s.this, name=s.this, client="VBA")
        r = client.post("/xlwings/custom-scripts-call/generate", json=payload)
        assert r.status_code == 200
        assert r.json()["xlpy"]["message"] == (refusal or r.json()["xlpy"]["message"])
        if refusal is None:
            assert "报告正文" in r.json()["xlpy"]["message"]

    # batch --render md: a report only when allowed (else the refusal in the row), a draft marked in its name
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / s.this).write_bytes((files / s.this).read_bytes())
    extra: list[str] = []
    if s.last:
        (tmp_path / "last").mkdir()
        (tmp_path / "last" / Path(s.last).name).write_bytes((files / s.last).read_bytes())
        extra = ["--last-year-dir", str(tmp_path / "last")]
    cli(
        ["batch", str(inbox), "-o", str(tmp_path / "b"), "-j", "1", "-q", "--render", "md", *extra],
        io.StringIO(),
        io.StringIO(),
    )
    reports = sorted(p.name for p in (tmp_path / "b" / "reports").iterdir())
    stem = Path(s.this).stem
    if refusal is None:
        assert reports == [f"{stem}.md"]
    else:
        assert reports == []
        summary = (tmp_path / "b" / "summary.csv").read_text(encoding="utf-8-sig")
        assert refusal in summary
    cli(
        ["batch", str(inbox), "-o", str(tmp_path / "bd"), "-j", "1", "-q", "--render", "md", "--draft", *extra],
        io.StringIO(),
        io.StringIO(),
    )
    drafted = sorted(p.name for p in (tmp_path / "bd" / "reports").iterdir())
    assert drafted == [f"{stem}.md" if refusal is None else f"{stem}（草稿）.md"]

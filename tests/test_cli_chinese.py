"""Every command's --help and every kind of argument error is Chinese (argparse's own texts included)."""

from __future__ import annotations

import argparse
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xlpy.cli import COMMANDS, build_parser, run

# Names a Chinese text may contain: formats, products, protocols, the tool's own name and variables.
NAMES = {
    "xlpy",
    "Excel",
    "WPS",
    "Office",
    "Word",
    "JSON",
    "TOML",
    "HTTP",
    "HTTPS",
    "API",
    "CSV",
    "DOCX",
    "HTML",
    "Markdown",
    "PDF",
    "CPU",
    "URL",
    "ID",
    "PostgreSQL",
    "SQLite",
    "xlwings",
    "XLPY_CONFIG",
    "db",
    "server",
    "templates_dir",
    "md",
    "html",
    "docx",
    "json",
    "pdf",
    "csv",
    "xlsx",
    "xlsm",
    "xls",
    "et",
    "ods",
    "txt",
    "local",
    "share",
    "workspace",
    "reports",
    "summary",
    "findings",
    "OUTDIR",
    "INPUT",
    "Bearer",
    "LibreOffice",
    "htm",
    "postgresql",
    "none",
    "VBA",
}
# What argparse says in English when it is not translated: none of these may ever appear.
ENGLISH = {
    "usage",
    "options",
    "show",
    "help",
    "message",
    "exit",
    "invalid",
    "value",
    "argument",
    "arguments",
    "required",
    "choose",
    "from",
    "error",
    "following",
    "unrecognized",
    "expected",
    "allowed",
    "choice",
}
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def parsers() -> Iterator[tuple[list[str], argparse.ArgumentParser]]:
    """(argv prefix, parser) for the top level, every command and every nested action (xlpy agencies import …)."""
    yield [], build_parser()
    for name in COMMANDS:
        top = build_parser(only=name)
        yield from _walk([name], _sub(top, name))


def _sub(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]  # type: ignore[no-any-return]


def _walk(prefix: list[str], parser: argparse.ArgumentParser) -> Iterator[tuple[list[str], argparse.ArgumentParser]]:
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _walk([*prefix, sub_name], sub)


def allowed_words(parser: argparse.ArgumentParser, prefix: list[str]) -> set[str]:
    words = set(NAMES) | set(re.findall(r"[A-Za-z]\w*", " ".join([*prefix, *COMMANDS])))
    for action in parser._actions:
        for text in (action.dest, action.metavar if isinstance(action.metavar, str) else ""):
            words |= set(re.findall(r"[A-Za-z]\w*", str(text or "")))
            words.add(str(action.dest).upper())
        words |= {str(c) for c in (action.choices or ())}
        words |= set(re.findall(r"[A-Za-z]\w*", " ".join(str(c) for c in (action.choices or ()))))
    return words


def english_words(text: str, allowed: set[str], typed: list[str] = ()) -> set[str]:  # type: ignore[assignment]
    """ASCII words that are neither names nor option strings, metavars, choices or what the user typed."""
    for word in typed:
        text = text.replace(word, " ")  # echoed input: 「“bogus”不是可选的值」
    text = OPTION.sub(" ", text)
    # Rule IDs (C-1), the standard GB/T 9704, example paths and globs.
    text = re.sub(r"\b[A-Z]+-\d+\b|GB/T|\S+\.(?:toml|xlsx|db|json)\b|~/\S+|'[^']*\*[^']*'", " ", text)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_]*", text) if w not in allowed}


def cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out, err)
    return code, out.getvalue() + err.getvalue()


ALL = list(parsers())
IDS = [" ".join(p) or "xlpy" for p, _ in ALL]


@pytest.mark.parametrize("prefix, parser", ALL, ids=IDS)
def test_help_has_no_english(prefix: list[str], parser: argparse.ArgumentParser) -> None:
    code, text = cli([*prefix, "--help"])
    assert code == 0 and "用法：" in text and "选项" in text
    assert not english_words(text, allowed_words(parser, prefix)), text


def test_no_english_word_is_an_allowed_name() -> None:
    assert not NAMES & ENGLISH


def bad_argvs(prefix: list[str], parser: argparse.ArgumentParser) -> Iterator[list[str]]:
    """Every kind of argument error this parser can give."""
    yield [*prefix, "--no-such-option"]
    yield [*prefix, "--no-such-option=1", "extra"]
    if (
        prefix
        and any(a.required for a in parser._actions)
        or any(
            not a.option_strings and a.nargs not in ("?", "*") and not isinstance(a, argparse._SubParsersAction)
            for a in parser._actions
        )
        or any(isinstance(a, argparse._SubParsersAction) and a.required for a in parser._actions)
    ):
        yield list(prefix)  # something required is missing (bare `xlpy` prints its help instead)
    for action in parser._actions:
        if not action.option_strings or action.nargs == 0 or isinstance(action, argparse._HelpAction):
            continue
        option = action.option_strings[-1]
        yield [*prefix, option]  # the option's value is missing
        if action.type is int or action.type is float:
            yield [*prefix, option, "不是数字"]
        if action.choices is not None or action.type not in (None, str, int, float):
            yield [*prefix, option, "bogus-value"]
    if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
        yield [*prefix, "bogus-command"]


CASES = [(argv, parser, prefix) for prefix, parser in ALL for argv in bad_argvs(prefix, parser)]


@pytest.mark.parametrize("argv, parser, prefix", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_argument_errors_are_chinese_with_exit_code_2(
    argv: list[str], parser: argparse.ArgumentParser, prefix: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, text = cli(argv)
    assert code == 2, text
    assert "xlpy：" in text and "用法：" in text
    typed = [a for a in argv[len(prefix) :] if not a.startswith("-")]
    leftover = english_words(text, allowed_words(parser, prefix), typed)
    assert not leftover, text


def test_argparse_is_english_again_outside_xlpy() -> None:
    """The translation is scoped to xlpy's parsers: other argparse users in the process keep their texts."""
    cli(["new", "--year", "x"])
    other = argparse.ArgumentParser(prog="other")
    assert "usage:" in other.format_usage() and "show this help message and exit" in other.format_help()


def test_rules_takes_a_report_year(tmp_path: Path) -> None:
    code, by_year = cli(["rules", "--version", "2020"])
    assert code == 0
    assert by_year == cli(["rules", "--version", "2019"])[1]
    assert cli(["rules", "--version", "2024"])[1] == cli(["rules", "--version", "2021"])[1]
    code, text = cli(["rules", "--version", "1999"])
    assert code == 2 and "报告年度" in text


def test_annotate_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    from xlpy.resources import workbook_dir

    source = workbook_dir() / "examples" / "beigou-2020.xlsx"
    out = tmp_path / "结果.xlsx"
    assert cli(["annotate", str(source), "-o", str(out)])[0] in (0, 1)
    first = out.read_bytes()
    code, text = cli(["annotate", str(source), "-o", str(out)])
    assert code == 2 and "已存在" in text and "--force" in text
    assert out.read_bytes() == first
    assert cli(["annotate", str(source), "-o", str(out), "--force"])[0] in (0, 1)


def test_os_errors_are_chinese_with_exit_code_2(tmp_path: Path) -> None:
    """The system's English reasons (`No such file or directory`) never reach the clerk; no traceback either."""
    from xlpy.resources import workbook_dir

    source = workbook_dir() / "examples" / "huaian-2024.xlsx"
    missing_dir = tmp_path / "没有这个目录"
    for argv in (
        ["export", str(source), "-o", str(missing_dir / "data.json")],
        ["new", "--year", "2024", "-o", str(missing_dir / "sub" / "x.xlsx")],
    ):
        if argv[0] == "new":
            (tmp_path / "没有这个目录").write_text("a file where a directory is expected", encoding="utf-8")
        code, text = cli(argv)
        assert code == 2, text
        assert "xlpy：" in text and "Traceback" not in text
        assert not re.search(r"No such file|Not a directory|Errno|Permission denied", text), text


def test_bad_json_data_is_described_in_chinese(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text('{"meta": {"year": 2024,}}', encoding="utf-8")
    code, text = cli(["new", "--year", "2024", "--data", str(data), "-o", str(tmp_path / "x.xlsx")])
    assert code == 2 and "第 1 行第" in text and "Expecting" not in text, text

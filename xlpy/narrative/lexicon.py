"""The narrative word lists (schemas/narrative/lexicon.json), served as tuples or alternations; their meta-schema check."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from xlpy.errors import RegisterError
from xlpy.resources import load_json

LEXICON = "narrative/lexicon.json"
META = "meta/narrative-lexicon.schema.json"


def load_checked(path: str, meta: str, what: str) -> Any:
    """A data file of schemas/narrative/, validated by its meta-schema (the first error names the entry)."""
    from jsonschema import Draft202012Validator

    data = load_json(path)
    errors = sorted(Draft202012Validator(load_json(meta)).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path)
        raise RegisterError(f"{what} schemas/{path}（{where}）：{errors[0].message}", file=path)
    return data


def check_files() -> None:
    """Validate both narrative data files by their meta-schemas (run when the rule register compiles).

    Not on every load: importing jsonschema and walking the files cost ~150 ms of CLI start-up, and the
    register's compilation — cached on disk, keyed by the content of every schema file — runs on any change."""
    from xlpy.narrative import kinds

    load_checked(LEXICON, META, "词表")
    load_checked(kinds.CLAIMS, kinds.META, "说法类别")


@cache
def _lists() -> dict[str, tuple[str, ...]]:
    data = load_json(LEXICON)
    return {name: tuple(entry["words"]) for name, entry in data["lists"].items()}


def words(name: str) -> tuple[str, ...]:
    """The words of one list, as written in the data file."""
    try:
        return _lists()[name]
    except KeyError:
        raise RegisterError(f"词表 schemas/{LEXICON} 中没有“{name}”", file=LEXICON) from None


@cache
def alternation(name: str) -> str:
    """A regex alternation of a list's words, longest first (so "不予以公开" wins over "不予公开")."""
    return "|".join(re.escape(w) for w in sorted(words(name), key=len, reverse=True))


@cache
def pattern(name: str) -> re.Pattern[str]:
    return re.compile(alternation(name))


@cache
def filler(name: str) -> re.Pattern[str]:
    """Any run of the list's words and spaces (use with fullmatch): what may stand between a keyword and a number."""
    return re.compile(f"(?:{alternation(name)}|\\s)*")

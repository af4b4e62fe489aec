"""The rule register: load schemas/rules/*.yaml, validate it, compile its expressions once per process."""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import pkgutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from xlpy.errors import RegisterError
from xlpy.resources import load_json, schemas_dir
from xlpy.rules import disk_cache
from xlpy.rules import expr as ex

LAST_YEAR_SCOPE = "上年度文件"  # the scope of C-0/C-6: the identity of the last-year file itself


@dataclass(frozen=True, slots=True)
class Instance:
    """One evaluation of an arithmetic rule: a for_each binding, compiled to slot indexes."""

    binding: dict[str, str]  # var -> key ("natural_person", "results.withheld.state_secret")
    titles: dict[str, str]  # var -> Chinese title ("自然人")
    linear: ex.Linear  # for messages: terms with labels
    lhs: tuple[tuple[int, int], ...]  # (coefficient, slot) — the fast path
    rhs: tuple[tuple[int, int], ...]
    lconst: ex.Number
    rconst: ex.Number
    primary: tuple[str, ...]  # the path(s) probably wrong, listed first in the finding's cells
    # The same sides split by sign, for sum(map(...)) at C speed; `reads` = every slot read.
    lpos: tuple[int, ...] = ()
    lneg: tuple[int, ...] = ()
    rpos: tuple[int, ...] = ()
    rneg: tuple[int, ...] = ()
    reads: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the register, as loaded for one format version (checkers receive this)."""

    id: str
    title: str
    severity: str
    versions: tuple[str, ...]
    scope: str
    section: str
    kind: str  # arithmetic | schema | checker | pipeline (made by validate.py from the other findings) | rollup (H-)
    message: str | None = None
    messages: dict[str, str] = field(default_factory=dict)  # further named templates (a checker's other wordings)
    description: str = ""
    paths: tuple[str, ...] = ()  # schema errors under these prefixes belong to this rule
    checker: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    enabled_by: str | None = None
    status: str = "active"
    reason: str = ""
    file: str = ""
    line: int = 0
    lhs_label: str = ""
    rhs_label: str = ""
    instances: tuple[Instance, ...] = ()

    @property
    def cross_year(self) -> bool:
        """Needs last year's data (--last-year)."""
        return self.section == "跨年度"

    @property
    def identifies_last_year(self) -> bool:
        """Checks which report the last-year data is (scope 上年度文件): runs even when it is of another year."""
        return self.cross_year and self.scope == LAST_YEAR_SCOPE

    def summary(self) -> dict[str, Any]:
        """What `xlpy rules` lists."""
        return {
            "id": self.id,
            "severity": self.severity,
            "versions": list(self.versions),
            "title": self.title,
            "scope": self.scope,
            "section": self.section,
            "kind": self.kind,
            "enabled": self.enabled,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class Register:
    """The rules of one format version, compiled; `slots` are the leaf paths the arithmetic reads."""

    version: str
    rules: tuple[Rule, ...]
    by_id: dict[str, Rule]
    slots: tuple[str, ...]  # this year's paths, slot i
    last_slots: tuple[str, ...]  # last year's paths, slot len(slots) + j
    plan: tuple[Any, ...]  # (parent keys, first slot, end slot, leaf keys, itemgetter) per row
    last_plan: tuple[Any, ...]
    _prefixes: tuple[tuple[tuple[str, ...], Rule], ...] = ()
    index: dict[tuple[str, bool], int] = field(default_factory=dict)  # (path, last year?) -> slot
    whole: tuple[bool, ...] = ()  # per slot: a count (whole number) rather than money

    def schema_rule_for(self, path: str) -> Rule | None:
        """The rule a JSON-Schema error at `path` belongs to (longest declared prefix wins)."""
        parts = tuple(p for p in path.split(".") if p) if path else ()
        for prefix, rule in self._prefixes:  # sorted longest first
            if parts[: len(prefix)] == prefix:
                return rule
        return None


# ---------------------------------------------------------------- YAML with line numbers


class _Map(dict):  # type: ignore[type-arg]
    line = 0


@cache
def _yaml_loader() -> Any:
    import yaml

    # libyaml's parser when present (several times faster); the constructor stays the safe one.
    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    def mapping(loader: Any, node: Any) -> _Map:
        keys = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in keys:
                raise yaml.constructor.ConstructorError(None, None, f"重复的键 {key!r}", key_node.start_mark)
            keys.add(key)
        out = _Map(loader.construct_mapping(node, deep=True))
        out.line = node.start_mark.line + 1
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return Loader


def rules_dir() -> Path:
    return schemas_dir() / "rules"


def _fail(file: str, line: int, rule: str | None, problem: str) -> RegisterError:
    where = f"{file}:{line}" if line else file
    who = f"（规则 {rule}）" if rule else ""
    return RegisterError(f"规则登记表 {where}{who}：{problem}", file=file, line=line, rule=rule)


def read_files(files: Iterable[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Parse and meta-validate register files; (display name, raw entry) for every rule."""
    import yaml

    validator = _meta_validator()
    loader = _yaml_loader()
    out = []
    for path in files:
        name = _display(path)
        try:
            # A SafeLoader subclass: no arbitrary Python objects, only line numbers and duplicate-key checks added.
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            raise _fail(name, mark.line + 1 if mark else 0, None, f"YAML 语法错误：{exc}") from exc
        except OSError as exc:
            raise _fail(name, 0, None, f"无法读取：{exc}") from exc
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            node: Any = doc
            rule_id, line = None, getattr(doc, "line", 0)
            for part in err.absolute_path:
                node = node[part]
                if isinstance(node, dict):
                    line = getattr(node, "line", line)
                    rule_id = node.get("id", rule_id) if isinstance(node.get("id"), str) else rule_id
            where = "/".join(str(p) for p in err.absolute_path) or "（文件顶层）"
            raise _fail(name, line, rule_id, f"{where}：{_schema_problem(err)}")
        shared = doc.get("messages", {})  # templates every rule of the file has (its own of a name win)
        for entry in doc["rules"]:
            if shared:
                entry["messages"] = {**shared, **entry.get("messages", {})}
            out.append((name, entry))
    return out


@cache
def _meta_validator() -> Any:
    from jsonschema import Draft202012Validator

    meta = load_json("meta/rule-register.schema.json")
    Draft202012Validator.check_schema(meta)
    return Draft202012Validator(meta)


@cache
def _default_entries() -> tuple[tuple[str, dict[str, Any]], ...]:
    """The shipped register files, read and meta-validated once per process (shared by both versions)."""
    return tuple(read_files(sorted(rules_dir().glob("*.yaml"))))


def _schema_problem(err: Any) -> str:
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return f"未知字段 {', '.join(extra)}"
    if err.validator == "required":
        return f"缺少必填字段（{err.message}）"
    if err.validator == "enum":
        return f"取值 {err.instance!r} 不在允许范围 {err.validator_value} 内"
    return str(err.message)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(schemas_dir().parent))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- checkers


@cache
def import_checkers() -> dict[str, Any]:
    """Import xlpy.rules.checkers and every module in it, so each @checker registers itself."""
    import xlpy.rules.checkers as pkg
    from xlpy.rules.context import CHECKERS

    for info in pkgutil.iter_modules(pkg.__path__):
        try:
            importlib.import_module(f"{pkg.__name__}.{info.name}")
        except Exception as exc:  # a broken checker module is our data/code being broken: say which
            raise RegisterError(
                f"检查函数模块 xlpy/rules/checkers/{info.name}.py 无法导入：{exc}", module=info.name
            ) from exc
    return CHECKERS


# ---------------------------------------------------------------- compiling one version


def build_register(
    version: str, files: Iterable[Path] | None = None, *, checkers: dict[str, Any] | None = None
) -> Register:
    """Load, validate and compile the register for one format version (uncached; tests pass `files`)."""
    from xlpy import schema

    if version not in schema.known_versions():
        raise RegisterError(f"未知的格式版本：{version}")
    entries = _default_entries() if files is None else read_files(files)
    known = checkers if checkers is not None else import_checkers()
    from xlpy.narrative import lexicon

    lexicon.check_files()  # the narrative checkers' data files, validated with the register that uses them
    seen: dict[str, str] = {}
    from xlpy.rules.compiler import Compiler

    compiler = Compiler(version, schema.fields(version))
    rules = []
    for name, raw in entries:
        rid, line = raw["id"], getattr(raw, "line", 0)
        if rid in seen:
            raise _fail(name, line, rid, f"规则编号重复（已在 {seen[rid]} 中定义）")
        seen[rid] = f"{name}:{line}"
        for v in raw["versions"]:
            if v not in schema.known_versions():
                raise _fail(name, line, rid, f"未知的格式版本 {v}")
        for v in raw.get("by_version", {}):
            if v not in raw["versions"]:
                raise _fail(name, line, rid, f"by_version 中的 {v} 不在 versions 中")
        if version not in raw["versions"]:
            continue
        merged = {**raw, **raw.get("by_version", {}).get(version, {})}
        try:
            rules.append(compiler.rule(merged, name, line, known))
        except ex.ExprError as exc:
            raise _fail(name, line, rid, str(exc)) from exc
    return compiler.finish(rules)


@cache
def load_register(version: str) -> Register:
    """The register of a format version, loaded and compiled once per process.

    The compiled register is also kept on disk (see `_disk_cache`), keyed by the content of every
    file it is built from, so a cold `xlpy validate` skips YAML parsing, meta-validation and
    compilation (about 120 ms) — any change to the rules, schemas or rule code misses the cache
    and is validated again.
    """
    path = _disk_cache(version)
    if path is not None:
        try:
            cached = pickle.loads(path.read_bytes())
        except Exception:  # noqa: BLE001 - a missing, stale or damaged cache only costs a rebuild
            cached = None
        # The pickle names checkers; the functions register themselves when their modules import.
        known = import_checkers()
        if (
            isinstance(cached, Register)
            and cached.version == version
            and all(r.checker in known for r in cached.rules if r.kind == "checker")
        ):
            return cached
    register = build_register(version)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(register, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, path)  # atomic: parallel batch workers never read a half-written file
        except OSError:
            pass  # read-only home or cache: run without the disk cache
    return register


def _disk_cache(version: str) -> Path | None:
    """Where the compiled register of `version` is cached: under the front end's directory (xlpy.rules.disk_cache)."""
    base = disk_cache.directory()
    if base is None:
        return None
    digest = hashlib.sha256(f"{version}|{sys.version}".encode())
    code = Path(__file__).resolve().parent.parent  # the whole package: any code change rebuilds
    sources = sorted(rules_dir().glob("*.yaml")) + sorted(schemas_dir().rglob("*.json")) + sorted(code.rglob("*.py"))
    for source in sources:
        try:
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
        except OSError:
            return None
    return base / f"register-{version}-{digest.hexdigest()[:24]}.pickle"


@cache
def declared() -> dict[str, dict[str, Any]]:
    """Every rule of the register files by ID, as written (read and meta-validated, not compiled):
    enough to check a configuration without importing checkers."""
    return {e["id"]: e for _, e in _default_entries()}


def all_rule_ids() -> set[str]:
    """Every rule ID of every version (for configuration checks)."""
    return set(declared())


def declared_params(rule_id: str) -> set[str]:
    """The parameter names a rule declares in any version (a configuration may override those)."""
    entry = declared()[rule_id]
    names = set(entry.get("params", {}))
    for variant in entry.get("by_version", {}).values():
        names |= set(variant.get("params", {}))
    return names


_PREFIX = ["F", "M", "D", "R", "N", "X", "C", "L", "H"]  # rules.md's order: format … years, locality, hierarchy


def rule_order(rid: str) -> tuple[Any, ...]:
    """Sort key: F-0, M-1, D-1, R-S2-1 … R-S4-2, N-1 … N-10, X-1 …, C-1 …, L-1, then anything new."""
    head, *rest = rid.split("-")
    return (
        _PREFIX.index(head) if head in _PREFIX else len(_PREFIX),
        head,
        *[(int(p) if p.isdigit() else -1, p) for p in rest],
    )

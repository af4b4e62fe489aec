"""Compiling the register for one format version: for_each domains from the schema, paths, expressions → slots."""

from __future__ import annotations

import dataclasses
import itertools
import operator
import string
from typing import Any

from xlpy.rules import expr as ex
from xlpy.rules.register import Instance, Register, Rule, rule_order

ARITH_ARGS = {"lhs", "rhs", "diff", "signed_diff", "lhs_terms", "rhs_terms", "lhs_label", "rhs_label", "last"}


class Compiler:
    """Compiles raw register entries of one format version: domains, paths, expressions, slots."""

    def __init__(self, version: str, fields: dict[str, Any]) -> None:
        self.version = version
        self.fields = fields
        self.slot: dict[str, int] = {}
        self.last_slot: dict[str, int] = {}
        # numeric leaves by depth, pre-split, for wildcard matching
        self.by_depth: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
        for p, f in fields.items():
            if f.is_number:
                parts = tuple(p.split("."))
                self.by_depth.setdefault(len(parts), []).append((p, parts))

    # -- domains of for_each placeholders, derived from the schema
    def domain(self, spec: Any) -> list[tuple[str, str]]:
        if isinstance(spec, list):
            return [(str(v), str(v)) for v in spec]
        having = spec.get("having")
        ((how, root),) = ((k, v) for k, v in spec.items() if k != "having")
        leaves = [f for p, f in self.fields.items() if p.startswith(root + ".") and f.is_number]
        if not leaves:
            raise ex.ExprError(f"{how}: {root} 下没有数值字段")
        depth = len(root.split("."))
        out: dict[str, str] = {}
        if how == "rows_of":
            for f in leaves:
                key = ".".join(f.path.split(".")[depth:-1])
                if key and (having is None or f"{root}.{key}.{having}" in self.fields):
                    out.setdefault(key, " ".join(t for t in f.titles[depth:-1] if t))
        elif how == "columns_of":
            for f in leaves:
                out.setdefault(f.path.rsplit(".", 1)[1], f.title)
        else:  # keys_of
            for f in leaves:
                key = f.path.split(".")[depth]
                out.setdefault(key, f.titles[depth] if len(f.titles) > depth else key)
        return list(out.items())

    def resolve(self, node: ex.Path) -> list[str]:
        pattern = node.segments
        if "*" not in pattern:
            path = ".".join(pattern)
            f = self.fields.get(path)
            if f is None:
                raise ex.ExprError(f"字段 {'last.' if node.last else ''}{path} 在 {self.version} 版格式中不存在")
            if not f.is_number:
                raise ex.ExprError(f"字段 {path} 不是数值（{f.kind}），不能参与运算")
            return [path]
        hits = [p for p, parts in self.by_depth.get(len(pattern), []) if _match(pattern, parts)]
        if not hits:
            raise ex.ExprError(f"通配路径 {'.'.join(pattern)} 在 {self.version} 版格式中没有匹配的字段")
        return hits

    def label(self, term: ex.Term, refs: list[ex.Ref]) -> str:
        paths = [r[1] for r in refs]
        if len(paths) == 1:
            return str(self.fields[paths[0]].title)
        common = paths[0].split(".") if paths else []
        for p in paths[1:]:
            parts = p.split(".")
            n = 0
            while n < min(len(common), len(parts)) and common[n] == parts[n]:
                n += 1
            common = common[:n]
        from xlpy import schema

        return str(schema.resolved(self.version, ".".join(common)).get("title", "合计")) if common else "合计"

    def rule(self, raw: dict[str, Any], name: str, line: int, known: dict[str, Any]) -> Rule:
        rid = raw["id"]
        kind = raw["kind"]
        paths = tuple(raw.get("paths", ()))
        for p in paths:
            if p != "" and not any(f == p or f.startswith(p + ".") for f in self.fields):
                raise ex.ExprError(f"paths 中的 {p} 在 {self.version} 版格式中不存在")
        checker = raw.get("checker")
        if kind == "checker" and checker not in known:
            raise ex.ExprError(f"检查函数 {checker!r} 未注册（xlpy/rules/checkers/ 中没有 @checker({checker!r})）")
        if kind != "checker" and checker:
            raise ex.ExprError("只有 kind: checker 的规则可以指定 checker")
        if kind != "arithmetic" and ("expr" in raw or "for_each" in raw):
            raise ex.ExprError("只有 kind: arithmetic 的规则可以指定 expr / for_each")
        instances = self.instances(raw) if kind == "arithmetic" else ()
        params = dict(raw.get("params", {}))
        if "fields" in params:  # convention: params.fields lists numeric fields, checked and expanded here
            params["fields"] = [
                p for pat in params["fields"] for p in self.resolve(ex.Path(tuple(pat.split(".")), False))
            ]
        return Rule(
            id=rid,
            title=raw["title"],
            severity=raw["severity"],
            versions=tuple(raw["versions"]),
            scope=raw["scope"],
            section=raw["section"],
            kind=kind,
            message=raw.get("message"),
            messages=dict(raw.get("messages", {})),
            description=raw.get("description", ""),
            paths=paths,
            checker=checker,
            params=params,
            enabled=raw.get("enabled", True),
            enabled_by=raw.get("enabled_by"),
            status=raw.get("status", "active"),
            reason=raw.get("reason", ""),
            file=name,
            line=line,
            lhs_label=raw.get("lhs_label", ""),
            rhs_label=raw.get("rhs_label", ""),
            instances=instances,
        )

    def instances(self, raw: dict[str, Any]) -> tuple[Instance, ...]:
        if "expr" not in raw:
            raise ex.ExprError(f"{self.version} 版没有 expr（by_version 中也没有）")
        text = raw["expr"]
        for_each = raw.get("for_each", {})
        unknown = ex.placeholders(text) - set(for_each)
        if unknown:
            raise ex.ExprError(f"表达式中的占位符 {sorted(unknown)} 未在 for_each 中定义")
        names = list(for_each)
        allowed = ARITH_ARGS | set(names) | {f"{n}_title" for n in names}
        for _, arg, _, _ in string.Formatter().parse(raw["message"]):
            if arg is not None and arg not in allowed:
                raise ex.ExprError(f"消息模板中的参数 {{{arg}}} 未知（可用：{', '.join(sorted(allowed))}）")
        domains = [self.domain(for_each[n]) for n in names]
        out = []
        for combo in itertools.product(*domains) if names else [()]:
            binding = {n: key for n, (key, _) in zip(names, combo, strict=False)}
            titles = {n: title for n, (_, title) in zip(names, combo, strict=False)}
            linear = ex.linearize(ex.parse(ex.substitute(text, binding)), self.resolve, self.label)
            primary: tuple[str, ...] = ()
            if raw.get("primary"):
                primary = tuple(self.resolve(ex.Path(tuple(ex.substitute(raw["primary"], binding).split(".")), False)))
            out.append(self.instance(binding, titles, linear, primary))
        return tuple(out)

    def instance(
        self, binding: dict[str, str], titles: dict[str, str], linear: ex.Linear, primary: tuple[str, ...]
    ) -> Instance:
        lhs, lconst = self.flat(linear.lhs)
        rhs, rconst = self.flat(linear.rhs)
        return Instance(binding, titles, linear, lhs, rhs, lconst, rconst, primary)

    def flat(self, terms: tuple[ex.LinearTerm, ...]) -> tuple[tuple[tuple[int, int], ...], ex.Number]:
        refs: list[tuple[int, int]] = []
        const: ex.Number = 0
        for t in terms:
            const = const + t.const if t.sign > 0 else const - t.const
            for coef, path, last in t.refs:
                table = self.last_slot if last else self.slot
                refs.append((coef * t.sign, table.setdefault(path, len(table)) + (1 << 20 if last else 0)))
        return tuple(refs), const

    def finish(self, rules: list[Rule]) -> Register:
        # Renumber the slots: this year's grouped by parent row, then last year's, so that a run
        # fills each row with one C-level itemgetter call (see engine.values).
        this, last = _grouped(self.slot), _grouped(self.last_slot)
        n = len(this)
        remap = {self.slot[p]: i for i, p in enumerate(this)}
        remap.update({(1 << 20) + self.last_slot[p]: n + j for j, p in enumerate(last)})
        fixed = []
        for r in rules:
            if r.instances:
                r = dataclasses.replace(r, instances=tuple(_finalize(i, remap) for i in r.instances))
            fixed.append(r)
        fixed.sort(key=lambda r: rule_order(r.id))
        prefixes = sorted(
            ((tuple(p.split(".")) if p else (), r) for r in fixed for p in r.paths), key=lambda pr: -len(pr[0])
        )
        return Register(
            self.version,
            tuple(fixed),
            {r.id: r for r in fixed},
            tuple(this),
            tuple(last),
            _plan(this, 0),
            _plan(last, n),
            tuple(prefixes),
            {**{(p, False): i for i, p in enumerate(this)}, **{(p, True): n + j for j, p in enumerate(last)}},
            tuple(self.fields[p].kind != "money" for p in this + last),  # counts must be whole numbers
        )


def _grouped(table: dict[str, int]) -> list[str]:
    groups: dict[str, list[str]] = {}
    for path in table:
        groups.setdefault(path.rsplit(".", 1)[0], []).append(path)
    return [p for g in groups.values() for p in g]


def _plan(paths: list[str], offset: int) -> tuple[Any, ...]:
    """(parent keys, first slot, end slot, leaf keys, itemgetter) per row; a row's slots are contiguous."""
    out, i = [], 0
    while i < len(paths):
        parent = paths[i].rsplit(".", 1)[0]
        j = i
        while j < len(paths) and paths[j].rsplit(".", 1)[0] == parent:
            j += 1
        leaves = tuple(p.rsplit(".", 1)[1] for p in paths[i:j])
        out.append((tuple(parent.split(".")), offset + i, offset + j, leaves, operator.itemgetter(*leaves)))
        i = j
    return tuple(out)


def _finalize(i: Instance, remap: dict[int, int]) -> Instance:
    """Final slot numbers (last year's after this year's), each side split by sign."""
    lhs = tuple((c, remap[s]) for c, s in i.lhs)
    rhs = tuple((c, remap[s]) for c, s in i.rhs)
    return Instance(
        i.binding,
        i.titles,
        i.linear,
        lhs,
        rhs,
        i.lconst,
        i.rconst,
        i.primary,
        lpos=tuple(s for c, s in lhs if c > 0),
        lneg=tuple(s for c, s in lhs if c < 0),
        rpos=tuple(s for c, s in rhs if c > 0),
        rneg=tuple(s for c, s in rhs if c < 0),
        reads=frozenset(s for _, s in lhs + rhs),
    )


def _match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    return all(a == "*" or a == b for a, b in zip(pattern, parts, strict=False))

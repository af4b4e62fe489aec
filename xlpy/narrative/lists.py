"""Itemised lists: "共 X 条，其中 A 条、B 条…" / "X 条，…包括：甲 3 条、乙 2 条…" and whether they add up."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from xlpy.narrative import grammar, lexicon
from xlpy.narrative.numerals import Number
from xlpy.narrative.sentences import Sentence, parens, per_sentence, sentences

# "其中" usually lists a part ("其中网上申请 60 件"): such a list only fails when it exceeds its total.
_COMPLETE = lexicon.alternation("list_markers_complete")
_MARKER = re.compile(f"(?P<part>其中)|(?P<full>{_COMPLETE})")
_MARKER_HINT = lexicon.pattern("list_marker_hints")  # every marker contains one (a cheap pre-filter)
_ITEM_SEP = re.compile(r"([、，,；;])")
_RANK = {"、": 0, "，": 1, ",": 1, "；": 2, ";": 2}
_LABEL = re.compile(r"[\u4e00-\u9fff]")
# Channels overlap (one item is posted on the site and on WeChat; one applicant writes twice): lists by
# channel need not add up.
_CHANNEL = lexicon.pattern("channel_words")
_OUTCOME = grammar.triggers("s3", ("outcome",))
_LEADS = lexicon.alternation("list_item_leads")
_CONNECTIVE = re.compile(f"^[\\s:：]*(?:{_LEADS})?[\\s:：]*")


@dataclass(frozen=True, slots=True)
class ItemList:
    """A stated total and the items listed as its parts."""

    sentence: Sentence
    total: Number
    items: tuple[tuple[str, Number], ...]  # (label, number)
    complete: bool  # the wording presents the items as all of the total

    @property
    def items_sum(self) -> Decimal:
        return sum((n.value for _, n in self.items), Decimal(0))

    @property
    def fragment(self) -> str:
        s = self.sentence
        return s.text[s.clause_start(self.total.num_start) : self.items[-1][1].end].strip()


@lru_cache(maxsize=256)
def item_lists(text: str) -> tuple[ItemList, ...]:
    """Every itemised list with a total in a paragraph."""
    # A sentence naming no marker hint has no list: blanking parentheses only removes markers.
    return tuple(found for s in sentences(text) if _MARKER_HINT.search(s.norm) for found in _lists_in(s))


@per_sentence
def _lists_in(s: Sentence) -> tuple[ItemList, ...]:
    blanked = parens(s.norm).blanked  # numbers and markers inside （…） are asides
    out = [found for m in _MARKER.finditer(blanked) if (found := _list_at(s, blanked, m)) is not None]
    # "共公布政府信息2599条，（其中机构职能类信息25条，…）": a list that is itself the parenthesised aside.
    for m in _ASIDE.finditer(s.norm):
        close = parens(s.norm).closing.get(m.start())
        if close is None:
            continue
        # Only this aside is read: its parentheses become spaces, everything after it is blanked.
        view = blanked[: m.start()] + " " + s.norm[m.start() + 1 : close] + " " * (len(s.norm) - close)
        marker = _MARKER.match(view, m.start() + 1)
        if marker is not None and (found := _list_at(s, view, marker)) is not None:
            out.append(found)
    return tuple(out)


_ASIDE = re.compile(r"[（(](?=其中|包括)")


def _list_at(s: Sentence, blanked: str, m: re.Match[str]) -> ItemList | None:
    numbers = [n for n in s.numbers if blanked[n.num_start] != " "]  # numbers inside （…） are asides
    starts = [n.num_start for n in numbers]  # segments find their numbers by bisection, not by a scan each
    total = next((n for n in reversed(numbers) if n.end <= m.start()), None)  # the last number before the marker
    if total is None:
        return None
    gap = blanked[total.end : m.start()]
    if not total.is_count or total.approx or len(gap) > 15 or re.search(r"[\d。；;]", gap):
        return None
    # The items: "label N unit" segments after the marker, up to the first segment that is not one.
    items: list[tuple[str, Number]] = []
    pos = m.end()
    list_rank: int | None = None
    parts = _ITEM_SEP.split(blanked[pos:])
    for k in range(0, len(parts), 2):
        seg = parts[k]
        seg_start, seg_end = pos, pos + len(seg)
        sep = parts[k + 1] if k + 1 < len(parts) else "。"
        pos = seg_end + len(sep)
        inside = numbers[bisect_left(starts, seg_start) : bisect_left(starts, seg_end)]
        if not inside and sep == "、" and list_rank is not None and list_rank > _RANK["、"] and k + 2 < len(parts):
            parts[k + 2] = seg + sep + parts[k + 2]  # "、" inside an item label of a "，" list: one item
            pos = seg_start
            continue
        label = _CONNECTIVE.sub("", blanked[seg_start : inside[0].start]).strip() if len(inside) == 1 else ""
        trailing = blanked[inside[0].end : seg_end].strip(" 。") if len(inside) == 1 else "x"
        if (
            len(inside) != 1
            or inside[0].unit != total.unit
            or inside[0].approx
            or trailing
            or not _LABEL.search(label)
            or "各" in label
            or _MARKER.search(label)
        ):
            if len(inside) == 1 and "各" in label:
                return None  # "预算、决算各 1 条": the items cannot be added up
            if list_rank is not None and _irregular(parts, k, list_rank, numbers, seg_start, total.unit):
                return None  # the list goes on irregularly ("A 3 条、B、C 2 条…"): no safe sum
            break
        items.append((label, inside[0]))
        # The list is joined by one separator; a stronger one ("；" after a "、" list) ends it.
        rank = _RANK.get(sep, 3)
        if list_rank is None:
            list_rank = rank
        if rank > list_rank:
            break
    if len(items) < 2 or any(_CHANNEL.search(label) for label, _ in items):
        return None
    if all(_OUTCOME.search(label) for label, _ in items):
        return None  # a breakdown by 办理结果 is N-4's
    # A list that ends with "其他…" covers the rest: it is the whole of the total, whatever the marker.
    complete = (m.group("full") is not None or items[-1][0].startswith(lexicon.words("rest_words"))) and not re.match(
        r"\s*等", blanked[items[-1][1].end :]
    )
    return ItemList(s, total, tuple(items), complete)


def _irregular(parts: list[str], k: int, rank: int, numbers: list[Number], start: int, unit: str | None) -> bool:
    """Whether a same-unit number follows in the same run of the list (before a stronger separator)."""
    end = start
    for j in range(k, len(parts), 2):
        end += len(parts[j])
        sep = parts[j + 1] if j + 1 < len(parts) else ""
        if not sep or _RANK.get(sep, 3) > rank:
            break
        end += len(sep)
    return any(start <= n.num_start < end and n.unit == unit for n in numbers)

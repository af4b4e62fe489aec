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
_PARTIAL, _COMPLETE = lexicon.alternation("list_markers_partial"), lexicon.alternation("list_markers_complete")
_MARKER = re.compile(f"(?P<part>{_PARTIAL})|(?P<full>{_COMPLETE})")
_MARKER_HINT = lexicon.pattern("list_marker_hints")  # every marker contains one (a cheap pre-filter)
# "共公布政府信息2599条，（其中机构职能类信息25条，…）": a list that is itself the parenthesised aside.
_ASIDES = lexicon.alternation("list_aside_markers")
_ASIDE = re.compile(f"[（(](?={_ASIDES})")
_ITEM_SEP = re.compile("[、，,；;]|\\Z")  # \Z: the sentence's end closes the last item
_RANK = {"、": 0, "，": 1, ",": 1, "；": 2, ";": 2}  # a list is joined by one of these; a stronger one ends it
_LABEL = re.compile(r"[\u4e00-\u9fff]")
# Channels overlap (one item is posted on the site and on WeChat; one applicant writes twice): lists by
# channel need not add up.
_CHANNEL = lexicon.pattern("channel_words")
_OUTCOME = grammar.triggers("s3", ("outcome",))
_LEADS = lexicon.alternation("list_item_leads")
_CONNECTIVE = re.compile(f"^[\\s:：]*(?:{_LEADS})?[\\s:：]*")
_EACH, _OPEN = lexicon.words("list_each_words"), lexicon.words("list_open_endings")


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
    views = [(blanked, m) for m in _MARKER.finditer(blanked)]
    for m in _ASIDE.finditer(s.norm):
        if (close := parens(s.norm).closing.get(m.start())) is None:
            continue
        # Only this aside is read: its parentheses become spaces, everything after it is blanked.
        view = blanked[: m.start()] + " " + s.norm[m.start() + 1 : close] + " " * (len(s.norm) - close)
        if (marker := _MARKER.match(view, m.start() + 1)) is not None:
            views.append((view, marker))
    return tuple(found for view, m in views if (found := _list_at(s, view, m)) is not None)


def _list_at(s: Sentence, blanked: str, m: re.Match[str]) -> ItemList | None:
    numbers = [n for n in s.numbers if blanked[n.num_start] != " "]  # numbers inside （…） are asides
    total = next((n for n in reversed(numbers) if n.end <= m.start()), None)  # the last number before the marker
    gap = blanked[total.end : m.start()] if total is not None else ""
    if total is None or not total.is_count or total.approx or len(gap) > 15 or re.search(r"[\d。；;]", gap):
        return None
    items = _items(blanked, m.end(), numbers, total.unit)
    if items is None or len(items) < 2 or any(_CHANNEL.search(label) for label, _ in items):
        return None
    if all(_OUTCOME.search(label) for label, _ in items):
        return None  # a breakdown by 办理结果 is N-4's
    # A list that ends with "其他…" covers the rest: it is the whole of the total, whatever the marker.
    whole = m.group("full") is not None or items[-1][0].startswith(lexicon.words("rest_words"))
    return ItemList(s, total, tuple(items), whole and not blanked[items[-1][1].end :].lstrip().startswith(_OPEN))


def _items(blanked: str, pos: int, numbers: list[Number], unit: str | None) -> list[tuple[str, Number]] | None:
    """The "label N unit" segments after pos, up to the first that is not one (None: no safe sum)."""
    starts = [n.num_start for n in numbers]  # segments find their numbers by bisection, not by a scan each
    items: list[tuple[str, Number]] = []
    rank: int | None = None  # the list's separator: the first item's
    begin = pos
    for end, sep in ((x.start(), x.group()) for x in _ITEM_SEP.finditer(blanked, pos)):
        inside = numbers[bisect_left(starts, begin) : bisect_left(starts, end)]
        if not inside and sep == "、" and rank:
            continue  # "、" inside an item label of a "，" list: one item
        n = inside[0] if len(inside) == 1 else None
        label = _CONNECTIVE.sub("", blanked[begin : n.num_start]).strip() if n is not None else ""
        if any(w in label for w in _EACH):
            return None  # "预算、决算各 1 条": the items cannot be added up
        named = _LABEL.search(label) is not None and _MARKER.search(label) is None  # words, and not a new list
        if n is None or n.unit != unit or n.approx or blanked[n.end : end].strip(" 。") or not named:
            if rank is not None and _irregular(blanked, begin, rank, numbers, unit):
                return None  # the list goes on irregularly ("A 3 条、B、C 2 条…"): no safe sum
            break
        items.append((label, n))
        rank = _RANK.get(sep, 3) if rank is None else rank
        if _RANK.get(sep, 3) > rank:
            break
        begin = end + 1  # separators are one character
    return items


def _irregular(blanked: str, start: int, rank: int, numbers: list[Number], unit: str | None) -> bool:
    """Whether a same-unit number follows in the same run of the list (before a stronger separator)."""
    stronger = [i for sep, r in _RANK.items() if r > rank and (i := blanked.find(sep, start)) >= 0]
    end = min(stronger, default=len(blanked))
    return any(start <= n.num_start < end and n.unit == unit for n in numbers)

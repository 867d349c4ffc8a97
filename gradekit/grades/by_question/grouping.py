"""Group identical and near-identical answers, so that one decision grades all of them.

Two answers are identical when their normalised texts are equal (case, `ё`/`е`,
punctuation and whitespace ignored) and near-identical when difflib's ratio of
the normalised texts is at least `threshold` (0.9: a changed word or two in a
paragraph). Groups are closed under that relation (single-linkage).
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
NEAR_IDENTICAL = 0.9
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-case, `ё` -> `е`, punctuation and Markdown marks dropped, whitespace collapsed.

    Args:
        text: an answer.

    Returns:
        The words of the answer separated by single spaces.
    """
    text = (text or "").lower().replace("ё", "е").replace("_", " ")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def similar(a: str, b: str, threshold: float = NEAR_IDENTICAL) -> bool:
    """Whether two normalised texts are near-identical (difflib ratio >= threshold)."""
    if a == b:
        return True
    if not a or not b:
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold)


def group_items(items: Sequence[T], text: Callable[[T], str],
                threshold: float = NEAR_IDENTICAL) -> list[list[T]]:
    """Partition items into groups of identical or near-identical texts.

    Args:
        items: the answers (any objects).
        text: gives an item's answer text.
        threshold: difflib ratio from which two normalised texts are one answer.

    Returns:
        The groups, largest first (ties in the order of their first item); items keep their order.
    """
    keys = [normalise(text(item)) for item in items]
    distinct = list(dict.fromkeys(keys))
    parent = list(range(len(distinct)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(distinct)):
        for j in range(i + 1, len(distinct)):
            if find(i) != find(j) and similar(distinct[i], distinct[j], threshold):
                parent[find(j)] = find(i)
    root_of = {key: find(index) for index, key in enumerate(distinct)}
    groups: dict[int, list[T]] = {}
    for item, key in zip(items, keys):
        groups.setdefault(root_of[key], []).append(item)
    return sorted(groups.values(), key=len, reverse=True)


def most_common(values: Iterable[Hashable]) -> Hashable:
    """The most frequent value (the first one seen among equals)."""
    return Counter(values).most_common(1)[0][0]

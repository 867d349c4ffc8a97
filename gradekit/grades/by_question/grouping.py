"""Group identical and near-identical answers, so that one decision grades all of them.

Two answers are identical when their normalised texts are equal (case, `ё`/`е`,
punctuation and whitespace ignored) and near-identical when the similarity ratio
of the normalised texts is at least `threshold` (0.9: a changed word or two in a
paragraph). The ratio is 2 * LCS / (len(a) + len(b)) (rapidfuzz's normalised
Indel similarity, computed in C++): difflib's ratio of the same texts whenever
difflib's greedy matching blocks find the longest common subsequence, never lower.
Groups are closed under that relation (single-linkage).

Comparing every pair is quadratic (44,850 pairs for 300 students), so only the
candidates of a MinHash locality-sensitive hash (datasketch) over character
3-grams are compared: pairs whose estimated Jaccard similarity can still belong
to a ratio of `threshold` (see `jaccard_floor`). `all_pairs` is the exhaustive
reference.
"""
from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TypeVar

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import Indel

T = TypeVar("T")
Candidates = Callable[[Sequence[str], float], Iterable[tuple[int, int]]]
NEAR_IDENTICAL = 0.9
SHINGLE = 3  # characters per shingle
NUM_PERM = 126
BANDS, ROWS = 42, 3  # 42 bands of 3 hash values: a pair at Jaccard 0.54 is a candidate with p > 0.999
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
    """Whether two normalised texts are near-identical (2 * LCS / (len(a) + len(b)) >= threshold)."""
    if a == b:
        return True
    if not a or not b:
        return False
    return Indel.normalized_similarity(a, b, score_cutoff=threshold) >= threshold


def jaccard_floor(threshold: float, shingle: int = SHINGLE) -> float:
    """The lowest Jaccard similarity of shingle sets that two texts with this similarity ratio can have.

    A ratio r leaves at most (1 - r) of the characters of each text unmatched, and each
    unmatched character breaks at most `shingle` shingles, so at least 1 - shingle * (1 - r)
    of the shingles are shared: J >= (1 - k) / (1 + k) with k = shingle * (1 - r).

    Args:
        threshold: the ratio of near-identical answers.
        shingle: characters per shingle.

    Returns:
        The floor (0 when no floor exists: then every pair has to be compared).
    """
    k = shingle * (1 - threshold)
    return max(0.0, (1 - k) / (1 + k))


def _shingles(text: str) -> list[bytes]:
    """The character 3-grams of a text (the text itself when shorter), as bytes (UTF-32: 4 bytes a character)."""
    data = text.encode("utf-32-le")
    width = 4 * SHINGLE
    return [data[start:start + width] for start in range(0, max(1, len(data) - width + 4), 4)]


def all_pairs(keys: Sequence[str], threshold: float) -> Iterator[tuple[int, int]]:
    """Every pair of indices (the exhaustive reference for `minhash_pairs`)."""
    return itertools.combinations(range(len(keys)), 2)


def minhash_pairs(keys: Sequence[str], threshold: float) -> Iterable[tuple[int, int]]:
    """The pairs of distinct normalised texts that can be near-identical at `threshold`, in near-linear time.

    Each text's MinHash over its character 3-grams goes into an LSH index (42 bands of 3);
    a pair sharing a band whose estimated Jaccard similarity is within three standard
    errors of `jaccard_floor(threshold)` is a candidate. Empty texts take part in no pair.

    Args:
        keys: distinct normalised texts.
        threshold: the ratio of near-identical answers.

    Returns:
        (i, j) index pairs, i < j, for `similar` to judge.
    """
    floor = jaccard_floor(threshold)
    if floor <= 0.1:  # a floor that low makes (almost) every pair a candidate
        return list(all_pairs(keys, threshold))
    present = [i for i, key in enumerate(keys) if key]
    hashes = MinHash.bulk((_shingles(keys[i]) for i in present), num_perm=NUM_PERM, hashfunc=zlib.crc32)
    index = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
    pairs: set[tuple[int, int]] = set()
    for position, minhash in enumerate(hashes):
        pairs.update((other, position) for other in index.query(minhash))
        index.insert(position, minhash, check_duplication=False)
    if not pairs:
        return []
    values = np.stack([minhash.hashvalues for minhash in hashes])
    first, second = np.array(sorted(pairs)).T
    estimate = (values[first] == values[second]).mean(axis=1)
    margin = 3 * math.sqrt(floor * (1 - floor) / NUM_PERM)
    keep = estimate >= floor - margin
    return [(present[i], present[j]) for i, j in zip(first[keep].tolist(), second[keep].tolist())]


def group_items(items: Sequence[T], text: Callable[[T], str], threshold: float = NEAR_IDENTICAL,
                candidates: Candidates = minhash_pairs) -> list[list[T]]:
    """Partition items into groups of identical or near-identical texts.

    Args:
        items: the answers (any objects).
        text: gives an item's answer text.
        threshold: the ratio from which two normalised texts are one answer.
        candidates: gives the pairs of distinct texts to judge (`minhash_pairs`, or `all_pairs`).

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

    if threshold < 1:
        for i, j in candidates(distinct, threshold):
            if find(i) != find(j) and similar(distinct[i], distinct[j], threshold):
                parent[max(find(i), find(j))] = min(find(i), find(j))
    root_of = {key: find(index) for index, key in enumerate(distinct)}
    groups: dict[int, list[T]] = {}
    for item, key in zip(items, keys):
        groups.setdefault(root_of[key], []).append(item)
    return sorted(groups.values(), key=len, reverse=True)


def most_common(values: Iterable[Hashable]) -> Hashable:
    """The most frequent value (the first one seen among equals)."""
    return Counter(values).most_common(1)[0][0]

"""Generated free-text answers for the tests and the benchmark of the grade-by-question grouping."""
from __future__ import annotations

import random

import nbformat

from gradekit.dev.lab import MASTER_NOTEBOOK
from gradekit.grades.by_question.grouping import normalise


def near_duplicate_answers(count: int, words: int, seed: int) -> list[str]:
    """Answers of `words` Russian words drawn from the lab's Markdown; every fifth a near-copy of an earlier one.

    Args:
        count: how many answers.
        words: words per answer.
        seed: the random generator's seed (the same answers for the same arguments).

    Returns:
        The answers; a near-copy has one or two words and up to three letters changed.
    """
    rng = random.Random(seed)
    lab = nbformat.read(MASTER_NOTEBOOK, as_version=4)
    vocabulary = sorted({word for cell in lab.cells if cell.cell_type == "markdown"
                         for word in normalise(cell.source).split() if not word.isascii()})
    texts: list[str] = []
    for index in range(count):
        if texts and index % 5 == 4:
            changed = rng.choice(texts).split(" ")
            for _ in range(rng.randrange(1, 3)):
                changed[rng.randrange(len(changed))] = rng.choice(vocabulary)
            letters = list(" ".join(changed))
            for _ in range(rng.randrange(0, 4)):
                letters[rng.randrange(len(letters))] = rng.choice("абвгде")
            texts.append("".join(letters))
        else:
            texts.append(" ".join(rng.choice(vocabulary) for _ in range(words)).capitalize() + ".")
    return texts

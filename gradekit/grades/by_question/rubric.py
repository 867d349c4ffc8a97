"""The rubric file of the grade-by-question page (rubric.yaml next to nbgrader_config.py).

    questions:
      tsne_conclusion:                 # a manually graded grade_id
        context: [tsne, plot_original]  # grade_ids of cells whose outputs are shown with each answer
        levels:                         # rubric lines: digit keys 1..9 pick them in order
          - points: 0.25
            comment: "Верно: ..."

The maximum of each question comes from the gradebook, never from this file: a
line with more points than that is kept out (and reported).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

RUBRIC_FILE = "rubric.yaml"


class RubricError(Exception):
    """The rubric file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class RubricLevel:
    """One rubric line: points and a canned comment (shown to the student)."""

    points: float
    comment: str


@dataclass(frozen=True)
class QuestionRubric:
    """The rubric lines of one question and the cells whose outputs go with its answers."""

    levels: tuple[RubricLevel, ...] = ()
    context: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def usable(self, max_score: float) -> QuestionRubric:
        """The same rubric without lines worth more than max_score (or less than 0), each reported."""
        kept = tuple(level for level in self.levels if 0 <= level.points <= max_score)
        dropped = tuple(f"rubric line worth {level.points:g} points left out: the gradebook's maximum "
                        f"is {max_score:g}" for level in self.levels if level not in kept)
        return QuestionRubric(kept, self.context, self.problems + dropped)


def load_rubric(path: Path) -> dict[str, QuestionRubric]:
    """Read the rubric file.

    Args:
        path: the YAML file; a missing file means no rubric.

    Returns:
        {grade_id: QuestionRubric}.

    Raises:
        RubricError: unreadable YAML or a wrong structure (one line naming the file and the place).
    """
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RubricError(f"{path}: cannot read the rubric: {' '.join(str(error).split())}") from None
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, dict):
        raise RubricError(f"{path}: expected a mapping 'questions: {{grade_id: ...}}' at the top")
    return {str(grade_id): _question(path, str(grade_id), spec) for grade_id, spec in questions.items()}


def _question(path: Path, grade_id: str, spec: object) -> QuestionRubric:
    where = f"{path}: questions.{grade_id}"
    if not isinstance(spec, dict):
        raise RubricError(f"{where}: expected a mapping with 'levels' (and optionally 'context')")
    context = spec.get("context") or []
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise RubricError(f"{where}.context: expected a list of grade_ids")
    levels = []
    for index, level in enumerate(spec.get("levels") or []):
        if not isinstance(level, dict) or "points" not in level:
            raise RubricError(f"{where}.levels[{index}]: expected 'points' and 'comment'")
        try:
            points = float(level["points"])
        except (TypeError, ValueError):
            raise RubricError(f"{where}.levels[{index}].points: not a number: {level['points']!r}") from None
        levels.append(RubricLevel(points, str(level.get("comment") or "")))
    return QuestionRubric(tuple(levels), tuple(context))

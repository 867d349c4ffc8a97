"""Why a score is what it is: the submission time, the deadline status and the late penalty, in Russian.

`ExplainDeadline` (a feedback preprocessor) puts this at the top of every
student's feedback; `short_feedback` is the one-line version the LMS grade
files carry (gradekit.grades.lms).
"""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook, MissingEntry
from traitlets import Bool, List

from gradekit.deadlines import LATE, ON_TIME, TOO_LATE, FinalScore, SoftHardDeadlines, final_score, shown_time

MISSING = "missing"
STATUS_TEXT = {
    ON_TIME: "сдано вовремя",
    LATE: "сдано после мягкого срока",
    TOO_LATE: "сдано после жёсткого срока",
    MISSING: "работа не сдана",
}
# The same, after "Сдано <time>:" in the one-line LMS feedback.
STATUS_SHORT = {ON_TIME: "вовремя", LATE: "после мягкого срока", TOO_LATE: "после жёсткого срока"}
MARKER = "nbgrader-deadline-note"


def number(value: float) -> str:
    """A score as students read it: 2.5, 5, 1.875 (no float noise)."""
    return f"{round(float(value), 4):g}"


def local_time(utc_naive: datetime.datetime | None, timezone: str) -> datetime.datetime | None:
    """A gradebook time (naive UTC) in the course timezone."""
    if utc_naive is None:
        return None
    return utc_naive.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(timezone))


def when(instant: datetime.datetime) -> str:
    """`07.03.2024 18:00 МСК`: day, minute and the zone's abbreviation."""
    return shown_time(instant)


def penalty_text(status: str, late_fraction: float) -> str:
    """The rule applied, in words."""
    if status == LATE:
        return f"штраф {number(late_fraction * 100)} % баллов"
    if status == TOO_LATE:
        return "штраф — все баллы"
    return "без штрафа"


def short_feedback(status: str, submitted: datetime.datetime | None, raw: float, penalty: float,
                   final: float, max_score: float, late_fraction: float = 0.5, out_of: float | None = None,
                   extension: datetime.timedelta | None = None) -> str:
    """One Russian sentence for an LMS feedback column.

    Args:
        status: on_time, late, too_late or missing (as in the kit's export).
        submitted: the submission time, timezone-aware (None: unknown or missing).
        raw, penalty, final, max_score: the export's scores (gradekit.deadlines.final_score).
        late_fraction: share of the score taken off between the two deadlines.
        out_of: the LMS item's maximum, when it differs from max_score: the points are given in its scale.
        extension: the student's extension, if one applied.

    Returns:
        e.g. "Сдано 07.03.2024 18:00 МСК: после мягкого срока, штраф 50 % баллов (−50).
        Баллы: 100; итог: 50 из 100."
    """
    if status == MISSING:
        return "Работа не сдана или не проверена."
    factor = out_of / max_score if out_of and max_score else 1.0
    moment = f"Сдано {when(submitted)}" if submitted else "Сдано"
    rule = penalty_text(status, late_fraction)
    if status != ON_TIME:
        rule += f" (−{number(penalty * factor)})"
    extended = f" с учётом продления на {extension_text(extension)}" if extension else ""
    return (f"{moment}: {STATUS_SHORT[status]}{extended}, {rule}. Баллы: {number(raw * factor)}; "
            f"итог: {number(final * factor)} из {number(max_score * factor)}.")


def deadline_note(deadlines: SoftHardDeadlines, submitted: datetime.datetime | None,
                  extension: datetime.timedelta | None, result: FinalScore) -> str:
    """The Markdown note at the top of a student's feedback.

    Args:
        deadlines: the course's SoftHardDeadlines (deadlines, timezone, penalty rule).
        submitted: the submission time, timezone-aware, or None when nbgrader has none.
        extension: the student's extension, if any.
        result: the submission's final score (gradekit.deadlines.final_score).

    Returns:
        Markdown text in Russian.
    """
    zone = ZoneInfo(deadlines.timezone)
    shift = extension or datetime.timedelta(0)
    soft, hard = deadlines.shown_deadlines(shift)
    status = result.status
    lines = ["### Сроки сдачи и штраф", ""]
    if submitted is not None:
        lines.append(f"- **Время сдачи:** {when(submitted.astimezone(zone))}")
    else:
        lines.append("- **Время сдачи:** не указано (работа считается сданной вовремя)")
    extra = f" (с учётом продления на {extension_text(shift)})" if shift else ""
    lines.append(f"- **Мягкий срок:** {soft}; **жёсткий срок:** {hard}{extra}")
    lines.append(f"- **Статус:** {STATUS_TEXT[status]}")
    if status == ON_TIME:
        lines.append("- **Штраф:** нет")
    else:
        rule = ("после мягкого срока снимается "
                f"{number(deadlines.late_fraction * 100)} % баллов" if status == LATE
                else "после жёсткого срока баллы не начисляются")
        lines.append(f"- **Штраф:** −{number(result.penalty)} из {number(result.raw)} набранных ({rule})")
    lines.append(f"- **Итог:** {number(result.final)} из {number(result.max_score)}")
    if result.manual_pending:
        lines += ["", "Часть ответов (выводы, контрольные вопросы) ещё не проверена вручную: баллы за них "
                  "могут добавиться позже, итог пересчитается; итоговая оценка — в ведомости курса."]
    return "\n".join(lines)


def extension_text(shift: datetime.timedelta) -> str:
    """An extension in days (or hours when not whole days), in Russian."""
    hours = shift.total_seconds() / 3600
    return f"{number(hours / 24)} сут." if hours % 24 == 0 else f"{number(hours)} ч"


class ExplainDeadline(Preprocessor):
    """Put a note with the submission time, deadline status and late penalty at the top of the feedback.

    Reads the submission from the gradebook named in resources["nbgrader"] (as
    nbgrader's GetGrades does) and the deadlines from SoftHardDeadlines in the
    course config. Without a gradebook entry the notebook is left as it is.
    """

    # nbgrader registers converter preprocessors as they are: on unless configured off.
    enabled = Bool(True, help="Whether the preprocessor runs.").tag(config=True)
    # HTMLExporter configures this for every preprocessor of the exporter; declare it (as nbgrader's
    # GetGrades does) so traitlets does not warn that the option is not recognized.
    display_data_priority = List([]).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources.get("nbgrader", {})
        needed = ("db_url", "assignment", "notebook", "student")
        if not all(info.get(key) for key in needed):
            return nb, resources
        deadlines = SoftHardDeadlines(parent=self)
        with Gradebook(info["db_url"]) as gradebook:
            try:
                submission = gradebook.find_submission(info["assignment"], info["student"])
            except MissingEntry:
                self.log.warning("No submission of %s in the gradebook: feedback without a deadline note",
                                 info["student"])
                return nb, resources
            note = deadline_note(deadlines, local_time(submission.timestamp, deadlines.timezone),
                                 submission.extension, final_score(deadlines, submission))
        nb.cells = [cell for cell in nb.cells if not cell.metadata.get(MARKER)]
        nb.cells.insert(0, new_markdown_cell(note, metadata={MARKER: True}))
        return nb, resources

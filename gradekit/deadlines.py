"""The lab's two deadlines as an nbgrader late-submission plugin.

On time (by the soft deadline): no penalty. Late (after the soft deadline, by
the hard one): half of the score. Too late (after the hard deadline): all of it.

nbgrader measures lateness against the assignment's due date (plus the
student's extension), which the kit sets to the soft deadline at release
(gradekit.release.due_date), so the hard deadline is "soft + grace period" and
an extension moves both.

`final_score` is the one place where a submission's final score is worked out
(the penalty on the whole raw score, automatic plus manual): the export, the
feedback note, the LMS files, the class report and the score table all call it,
and `keep_penalties_current` makes every write to the gradebook store its penalty,
so that nbgrader's own `late_submission_penalty` (Formgrader, nbgrader's feedback
header) never goes stale when a TA grades by hand.
"""
from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from nbgrader.api import Grade, SubmittedAssignment, SubmittedNotebook
from nbgrader.plugins import LateSubmissionPlugin
from sqlalchemy import event
from sqlalchemy.orm import Session
from traitlets import Float, Unicode
from traitlets.config import Config

ON_TIME, LATE, TOO_LATE = "on_time", "late", "too_late"


def parse_deadline(text, timezone):
    """The instant a deadline ends, timezone-aware.

    "YYYY-MM-DD" means the whole day: the deadline is the following midnight.
    "YYYY-MM-DD HH:MM[:SS]" is that exact instant. Both in the given timezone
    unless the text carries its own UTC offset.
    """
    zone = ZoneInfo(timezone)
    text = text.strip()
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        instant = datetime.datetime.fromisoformat(text)
        return instant if instant.tzinfo else instant.replace(tzinfo=zone)
    next_midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return next_midnight.replace(tzinfo=zone)


def is_whole_day(text):
    """Whether a deadline is stated as a date alone ("YYYY-MM-DD": the end of that day)."""
    try:
        datetime.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


# Russian abbreviations of the zones' English ones (the zone database has only the English ones).
ZONE_NAMES_RU = {"MSK": "МСК", "UTC": "UTC"}


def shown_time(instant, whole_day=False):
    """An instant as students read it: `29.02.2024 23:59 МСК`.

    Args:
        instant: a timezone-aware datetime, in the zone to show it in.
        whole_day: the instant is the end of a day stated as a date alone; its midnight
            is shown as 23:59 of that day, the way the course states the deadline.

    Returns:
        "DD.MM.YYYY HH:MM" and the zone's abbreviation (Russian where known).
    """
    if whole_day and (instant.hour, instant.minute, instant.second) == (0, 0, 0):
        instant = instant - datetime.timedelta(minutes=1)
    zone = instant.tzname() or ""
    return f"{instant:%d.%m.%Y %H:%M} {ZONE_NAMES_RU.get(zone, zone)}".strip()


def to_gradebook_time(instant):
    """The naive-UTC datetime nbgrader stores for an aware instant."""
    return instant.astimezone(datetime.UTC).replace(tzinfo=None)


def late_status(seconds_late, grace_seconds):
    """on_time / late / too_late for a submission this many seconds after its due date.

    Like nbgrader, a submission at the due date itself (0 seconds late) is on time.
    """
    if seconds_late <= 0:
        return ON_TIME
    if seconds_late <= grace_seconds:
        return LATE
    return TOO_LATE


def late_penalty(score, seconds_late, grace_seconds, late_fraction=0.5):
    """Points taken off a score for lateness."""
    status = late_status(seconds_late, grace_seconds)
    if status == ON_TIME:
        return 0.0
    if status == LATE:
        return score * late_fraction
    return score


class SoftHardDeadlines(LateSubmissionPlugin):
    """Half the score after the soft deadline, nothing after the hard one."""

    soft_deadline = Unicode(
        "2024-02-29", help="Soft deadline: 'YYYY-MM-DD' (end of that day) or 'YYYY-MM-DD HH:MM[:SS]'."
    ).tag(config=True)
    hard_deadline = Unicode(
        "2024-03-14", help="Hard deadline, same format as soft_deadline."
    ).tag(config=True)
    timezone = Unicode("Europe/Moscow", help="IANA timezone both deadlines are given in.").tag(config=True)
    late_fraction = Float(0.5, help="Share of the score taken off between the soft and the hard deadline.").tag(
        config=True)

    def soft_instant(self):
        return parse_deadline(self.soft_deadline, self.timezone)

    def hard_instant(self):
        return parse_deadline(self.hard_deadline, self.timezone)

    def due_date(self):
        """The assignment due date as the gradebook stores it (naive UTC): the soft deadline."""
        return to_gradebook_time(self.soft_instant())

    def grace_seconds(self):
        grace = (self.hard_instant() - self.soft_instant()).total_seconds()
        if grace < 0:
            raise ValueError(f"hard deadline {self.hard_deadline} is before soft deadline {self.soft_deadline}")
        return grace

    def status(self, seconds_late):
        return late_status(seconds_late, self.grace_seconds())

    def penalty(self, score, seconds_late):
        return late_penalty(score, seconds_late, self.grace_seconds(), self.late_fraction)

    def shown_deadlines(self, extension=None):
        """Both deadlines (moved by an extension) as the course states them, e.g. "29.02.2024 23:59 МСК"."""
        zone = ZoneInfo(self.timezone)
        shift = extension or datetime.timedelta(0)
        return tuple(shown_time(instant.astimezone(zone) + shift, is_whole_day(text))
                     for instant, text in ((self.soft_instant(), self.soft_deadline),
                                           (self.hard_instant(), self.hard_deadline)))

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        penalty = self.penalty(score, total_seconds_late)
        self.log.info("%s is %s (%.0f s after the due date): penalty %s of %s",
                      student_id, self.status(total_seconds_late), total_seconds_late, penalty, score)
        return penalty


# ---------------------------------------------------------------- the one final score

@dataclass(frozen=True)
class FinalScore:
    """A submission's score as every page of the kit shows it."""

    status: str  # on_time, late or too_late
    seconds_late: float  # after the due date, the student's extension included (nbgrader's)
    raw: float  # automatic plus manual points (a manual score replaces the automatic one, as in nbgrader)
    penalty: float  # late penalty, worked out on the whole raw score
    final: float  # raw - penalty
    max_score: float
    manual_pending: bool  # some answers still wait for a grader: manual points may still come


def points(value):
    """Scores as short decimals (3.75, not 3.7500000000000004)."""
    return round(float(value or 0.0), 4)


def grade_points(grade: Grade) -> float:
    """One grade's points as nbgrader's `Grade.score` counts them, from the object's current values.

    nbgrader's `score` is an SQL expression, stale until the session is flushed and the object
    reloaded; this reads the same rule (manual beats automatic, plus extra credit) in Python.
    """
    base = grade.manual_score if grade.manual_score is not None else grade.auto_score
    if base is None:
        return 0.0
    return float(base) + float(grade.extra_credit or 0.0)


def final_score(deadlines: SoftHardDeadlines, submission: SubmittedAssignment) -> FinalScore:
    """The final score of a submission: the one function every reader and the gradebook use.

    Args:
        deadlines: the course's SoftHardDeadlines.
        submission: nbgrader's SubmittedAssignment (read with its current, possibly unsaved, grades).

    Returns:
        The FinalScore.
    """
    grades = [grade for notebook in submission.notebooks for grade in notebook.grades]
    raw = points(sum(grade_points(grade) for grade in grades))
    seconds_late = submission.total_seconds_late
    penalty = points(min(raw, max(0.0, deadlines.penalty(raw, seconds_late))))
    max_score = points(submission.assignment.max_score)
    return FinalScore(status=deadlines.status(seconds_late), seconds_late=seconds_late, raw=raw, penalty=penalty,
                      final=points(raw - penalty), max_score=max_score,
                      manual_pending=any(grade.needs_manual_grade for grade in grades))


def store_penalty(deadlines: SoftHardDeadlines, submission: SubmittedAssignment) -> None:
    """Write final_score's penalty into nbgrader's per-notebook `late_submission_penalty`.

    The penalty is shared between the notebooks in proportion to their raw points, so that
    nbgrader's `SubmittedAssignment.late_submission_penalty` (their sum) is the whole penalty.
    """
    result = final_score(deadlines, submission)
    notebooks = list(submission.notebooks)
    raws = [sum(grade_points(grade) for grade in notebook.grades) for notebook in notebooks]
    for notebook, raw in zip(notebooks, raws):
        share = raw / sum(raws) if sum(raws) else 1.0 / len(notebooks)
        value = points(result.penalty * share) if result.penalty else None
        if notebook.late_submission_penalty != value:
            notebook.late_submission_penalty = value


_penalty_config = Config()


def _submission_of(instance) -> SubmittedAssignment | None:
    """The submission a changed gradebook object belongs to (None for other objects)."""
    if isinstance(instance, Grade):
        return instance.notebook.assignment if instance.notebook is not None else None
    if isinstance(instance, SubmittedNotebook):
        return instance.assignment
    if isinstance(instance, SubmittedAssignment):
        return instance
    return None


def _update_penalties(session: Session, flush_context, instances) -> None:
    """before_flush: the stored penalty of every submission whose grades, timestamp or extension change."""
    submissions = {}
    for instance in itertools.chain(session.new, session.dirty):
        submission = _submission_of(instance)
        if submission is not None and submission.assignment is not None:
            submissions[id(submission)] = submission
    if submissions:
        deadlines = SoftHardDeadlines(config=_penalty_config)
        for submission in submissions.values():
            store_penalty(deadlines, submission)


def keep_penalties_current(config: Config) -> None:
    """Make every gradebook write in this process store the current late penalty.

    A SQLAlchemy `before_flush` listener (public ORM event API) on nbgrader's models: when a
    grade, a submission's timestamp or its extension changes (autograde, Formgrader's manual
    grading, `gradekit.submitted.extensions`), the submission's `late_submission_penalty` is
    recomputed by `final_score` in the same transaction. Called from nbgrader_config.py, which
    every nbgrader command and the Formgrader load; calling it again replaces the config.

    Args:
        config: the course config holding `SoftHardDeadlines`' settings.
    """
    global _penalty_config
    _penalty_config = config
    if not event.contains(Session, "before_flush", _update_penalties):
        event.listen(Session, "before_flush", _update_penalties)

"""The lab's two deadlines as an nbgrader late-submission plugin.

On time (by the soft deadline): no penalty. Late (after the soft deadline, by
the hard one): half of the score. Too late (after the hard deadline): all of it.

nbgrader measures lateness against the assignment's due date (plus the
student's extension), which the kit sets to the soft deadline at release
(gradekit.release.due_date), so the hard deadline is "soft + grace period" and
an extension moves both.
"""
import datetime
from zoneinfo import ZoneInfo

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, Unicode

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

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        penalty = self.penalty(score, total_seconds_late)
        self.log.info("%s is %s (%.0f s after the due date): penalty %s of %s",
                      student_id, self.status(total_seconds_late), total_seconds_late, penalty, score)
        return penalty

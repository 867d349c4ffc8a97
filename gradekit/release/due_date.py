"""The assignment's due date in the gradebook comes from the configured soft deadline.

nbgrader_config.py installs SetDueDate as a convert hook, so a plain
`nbgrader generate_assignment numpy_nn` (and every autograde run) records the
due date nbgrader measures lateness from; nobody types `nbgrader db assignment add`.
"""
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from traitlets.log import get_logger

from gradekit.deadlines import SoftHardDeadlines


def set_due_date(db_url, course_id, assignment, due_date, log=None):
    """Give an existing assignment the due date (naive UTC); warn when that changes an earlier one."""
    log = log or get_logger()
    with Gradebook(db_url, course_id) as gradebook:
        try:
            previous = gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            log.warning("No assignment %s in the gradebook: due date not set", assignment)
            return
        if previous == due_date:
            return
        if previous is not None:
            log.warning("Due date of %s changed from %s to %s UTC (the configured soft deadline)",
                        assignment, previous, due_date)
        else:
            log.info("Due date of %s set to %s UTC (the configured soft deadline)", assignment, due_date)
        gradebook.update_or_create_assignment(assignment, duedate=due_date)


class SetDueDate:
    """An nbgrader pre/post_convert_hook that writes the soft deadline as the due date.

    nbgrader passes hooks only the assignment, so the hook keeps the loaded
    nbgrader config to find the gradebook and the deadlines.
    """

    def __init__(self, config):
        self.config = config

    def __call__(self, assignment, student, notebooks):
        log = get_logger()
        try:
            coursedir = CourseDirectory(config=self.config)
            due_date = SoftHardDeadlines(config=self.config).due_date()
            set_due_date(coursedir.db_url, coursedir.course_id, assignment, due_date, log)
        except Exception:
            # nbgrader reports a failing hook only at INFO level
            log.error("Could not set the due date of %s", assignment, exc_info=True)
            raise

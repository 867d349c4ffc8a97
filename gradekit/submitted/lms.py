"""Submissions downloaded from the LMS as one archive, for `nbgrader zip_collect`.

The kit expects Blackboard's "Download assignment" names, which carry the
attempt time: <LMS assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>
(the regular expression is in nbgrader_config.py). The LMS writes that time in
its own local time without an offset, which nbgrader would read as UTC, so
this collector attaches the course timezone before nbgrader parses it.
"""
import datetime
from zoneinfo import ZoneInfo

from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Unicode

LMS_TIME_FORMAT = "%Y-%m-%d-%H-%M-%S"


class LmsFileNames(FileNameCollectorPlugin):
    """nbgrader's file-name collector with LMS-local attempt times made explicit."""

    lms_timezone = Unicode("Europe/Moscow", help="Timezone of the times in the LMS file names.").tag(config=True)

    def collect(self, submitted_file):
        info = super().collect(submitted_file)
        if info and info.get("timestamp"):
            try:
                local = datetime.datetime.strptime(info["timestamp"], LMS_TIME_FORMAT)
            except ValueError:
                return info  # another LMS's format: nbgrader parses it as it is
            info["timestamp"] = local.replace(tzinfo=ZoneInfo(self.lms_timezone)).isoformat(" ")
        return info

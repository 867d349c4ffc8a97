"""The gradebook under parallel graders.

SQLite (the default) lets one writer in at a time; a grader that finds the file
locked waits up to `busy_timeout` for its turn instead of failing with
"database is locked" (Python's sqlite3 gives up after 5 s). nbgrader opens its
own SQLAlchemy engines, so the wait is set for every SQLite connection the
process makes, from nbgrader_config.py. PostgreSQL needs nothing of this.

The journal stays the default (rollback) one, not WAL: WAL needs shared memory
between the processes and does not work on a network file system, where a
course directory shared by several machines lives (use PostgreSQL there).
"""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

# A gradebook URL in this variable replaces the one in nbgrader_config.py (see docs/autograding.md "Gradebook").
DB_URL_VARIABLE = "NUMPY_NN_DB_URL"

_busy_timeout_ms = None


def wait_for_sqlite_lock(seconds):
    """Every SQLite connection made from now on in this process waits up to `seconds` for a lock."""
    global _busy_timeout_ms
    if _busy_timeout_ms is None:
        event.listen(Engine, "connect", _set_busy_timeout)
    _busy_timeout_ms = int(seconds * 1000)


def _set_busy_timeout(dbapi_connection, _connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {_busy_timeout_ms}")

"""Executing a notebook outside nbgrader, for checks of the master and the release."""
import time

import nbformat
from nbclient import NotebookClient


class TimedClient(NotebookClient):
    """nbclient that records each cell's wall time in cell.metadata.execution_seconds."""

    async def async_execute_cell(self, cell, cell_index, **kwargs):
        started = time.monotonic()
        try:
            return await super().async_execute_cell(cell, cell_index, **kwargs)
        finally:
            cell.metadata["execution_seconds"] = round(time.monotonic() - started, 2)


def execute_notebook(path, timeout=600):
    """Run the notebook in its own folder, continuing past errors; return the executed copy."""
    notebook = nbformat.read(path, as_version=4)
    client = TimedClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                         resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return notebook


def errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def stderr_text(cell):
    return "".join(o.text for o in cell.get("outputs", [])
                   if o.output_type == "stream" and o.name == "stderr")

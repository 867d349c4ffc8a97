"""The kit's Execute preprocessor on tiny notebooks: dead kernels, time budget, BLAS threads."""
from nbclient.exceptions import CellTimeoutError
from nbformat.v4 import new_code_cell, new_notebook

from gradekit.autograded.execute import ResilientExecute


def grade_cell(source, grade_id):
    return new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "grade_id": grade_id, "locked": True, "points": 1, "solution": False,
        "schema_version": 3, "task": False}})


def run(cells, tmp_path, **config):
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = ResilientExecute(**config)
    executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    return notebook


def error_names(cell):
    return [o.ename for o in cell.outputs if o.output_type == "error"]


def test_a_dying_kernel_costs_only_the_cells_from_the_crash_on(tmp_path):
    notebook = run([grade_cell("assert 1 + 1 == 2", "before"),
                    new_code_cell("import os\nos._exit(1)"),
                    grade_cell("assert True", "after")], tmp_path)
    before, crash, after = notebook.cells
    assert error_names(before) == []
    assert error_names(crash) == ["KernelDied"]
    assert error_names(after) == ["NotExecuted"]


def test_a_grade_cell_that_hangs_times_out_and_the_next_cell_runs(tmp_path):
    notebook = run([grade_cell("while True:\n    pass", "hangs"), grade_cell("print('ok')", "next")],
                   tmp_path, grade_cell_timeout=2, timeout=60)
    hangs, following = notebook.cells
    assert "CellTimeoutError" in error_names(hangs)
    assert error_names(following) == []


def test_cells_after_the_notebook_budget_are_not_executed(tmp_path):
    notebook = run([new_code_cell("import time\ntime.sleep(3)"), new_code_cell("print('late')")],
                   tmp_path, notebook_timeout=2, timeout=60)
    assert error_names(notebook.cells[1]) == ["NotExecuted"]


def test_kernel_runs_with_one_blas_thread(tmp_path):
    notebook = run([new_code_cell("import os\nprint(os.environ.get('OPENBLAS_NUM_THREADS'))")], tmp_path)
    assert notebook.cells[0].outputs[0].text.strip() == "1"


def test_a_runaway_allocation_fails_with_memory_error(tmp_path):
    notebook = run([new_code_cell("chunks = []\nwhile True:\n    chunks.append(bytearray(50_000_000))"),
                    new_code_cell("del chunks\nprint('still alive')")], tmp_path, memory_limit_mb=1024)
    hog, after = notebook.cells
    assert error_names(hog) == ["MemoryError"]
    assert after.outputs[0].text.strip() == "still alive"



class OutputsNeverArrive(ResilientExecute):
    """nbclient's reaction when the kernel replies but its outputs do not follow within
    iopub_timeout (seen with memory_hog_train at the memory cap), for cells marked STALL."""

    def execute_cell(self, cell, cell_index, *args, **kwargs):
        if "STALL" in cell.source:
            raise CellTimeoutError.error_from_timeout_and_cell("Timeout waiting for IOPub output", 4, cell)
        return super().execute_cell(cell, cell_index, *args, **kwargs)


def test_a_cell_whose_outputs_never_arrive_fails_and_grading_goes_on(tmp_path):
    # stock nbgrader lets this exception through and drops the whole submission
    notebook = new_notebook(cells=[grade_cell("# STALL", "stalled"), grade_cell("print('ok')", "next")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    OutputsNeverArrive().preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    stalled, following = notebook.cells
    assert error_names(stalled) == ["OutputLost"]
    assert error_names(following) == []
    assert following.outputs[0].text.strip() == "ok"


class MessagesGarbled(ResilientExecute):
    """What jupyter_client raised when a kernel at the memory cap sent a garbled message."""

    def execute_cell(self, cell, cell_index, *args, **kwargs):
        if "GARBLE" in cell.source:
            raise ValueError("Invalid Signature: b'17e6bed352f2'")
        return super().execute_cell(cell, cell_index, *args, **kwargs)


def test_a_broken_kernel_connection_costs_only_the_cells_from_there_on(tmp_path):
    # stock nbgrader lets the ValueError through and drops the whole submission
    notebook = new_notebook(cells=[grade_cell("print('before')", "before"), grade_cell("# GARBLE", "garbled"),
                                   grade_cell("print('after')", "after")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    MessagesGarbled().preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    before, garbled, after = notebook.cells
    assert before.outputs[0].text.strip() == "before"
    assert error_names(garbled) == ["KernelLost"]
    assert "Связь с ядром Python нарушилась" in garbled.outputs[0].evalue
    assert error_names(after) == ["NotExecuted"]


"""The integrity report lists tampering per student and changes no score."""
import hashlib

import pytest

from gradekit.submitted.integrity import main, scan_course, scan_source


def rules_by_student(graded_courses):
    rules = {}
    for course in set(graded_courses.values()):
        for finding in scan_course(course):
            rules.setdefault(finding.student, set()).add(finding.rule)
    return rules


@pytest.fixture(scope="module")
def rules(graded_courses):
    return rules_by_student(graded_courses)


def test_honest_submissions_are_not_flagged(rules):
    for student in ("correct", "correct_alt", "blank", "bug_weight_grad_mean"):
        assert student not in rules, rules.get(student)


def test_tampering_is_flagged(rules):
    assert "reassigns an attribute of np" in rules["tamper_monkeypatch"]
    assert "reassigns an attribute of builtins" in rules["tamper_monkeypatch"]
    assert "reassigns an attribute of util" in rules["tamper_monkeypatch"]
    assert "edited a locked or test cell (restored before grading)" in rules["tamper_edit_tests"]
    assert "deleted a locked or test cell (re-added before grading)" in rules["tamper_delete_tests"]
    assert "imports ctypes" in rules["crash_segfault"]
    assert "uses os._exit" in rules["crash_os_exit"]


@pytest.mark.parametrize("source, rule", [
    ("g = globals()", "calls globals()"),
    ("import sys\nsys.modules['numpy'] = None", "uses sys.modules"),
    ("get_ipython().run_cell('x')", "calls get_ipython()"),
    ("import inspect", "imports inspect"),
    ("data = open('/etc/passwd').read()", "opens a file outside the assignment folder"),
    ("data = open('../other/numpy_nn.ipynb').read()", "opens a file outside the assignment folder"),
    ("setattr(np, 'allclose', len)", "calls setattr()"),
    ("%time x = 1\nnp.testing.assert_allclose = print", "reassigns an attribute of np"),
    ("import mnist_loader\nmnist_loader._find_hub_file = lambda: 'fake.pkl.gz'", "reassigns an attribute of mnist_loader"),
])
def test_scan_source_rules(source, rule):
    assert rule in {r for _, r in scan_source(source)}


def test_plain_student_code_is_clean():
    assert scan_source("x = np.maximum(input, 0)\nwith open('notes.txt') as f:\n    pass") == []


def test_report_leaves_the_gradebook_untouched(graded_courses, tmp_path):
    course = graded_courses["tamper_monkeypatch"]
    before = hashlib.sha256((course / "gradebook.db").read_bytes()).hexdigest()
    output = tmp_path / "integrity.csv"
    assert main(["--course-dir", str(course), "--output", str(output)]) == 0
    assert "tamper_monkeypatch" in output.read_text(encoding="utf-8")
    assert hashlib.sha256((course / "gradebook.db").read_bytes()).hexdigest() == before

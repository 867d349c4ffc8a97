"""The per-student, per-test table printed by make demo."""
from gradekit.grades.table import format_table


def test_table_shows_each_test_with_its_maximum_and_the_total():
    table = format_table(["test_a", "test_b"], {"test_a": 0.5, "test_b": 0.0},
                         {"alice": {"test_a": 0.5, "test_b": 0.0}, "bob": {"test_a": 0.0, "test_b": None}})
    header, alice, bob = table.splitlines()
    assert header.split() == ["student", "test_a/0.5", "test_b/0", "tests/0.5"]
    assert alice.split() == ["alice", "0.5", "0", "0.5"]
    assert bob.split() == ["bob", "0", "-", "0"]


def test_table_ends_with_the_exports_raw_penalty_and_final_score():
    finals = {"alice": {"status": "late", "raw_score": 1.5, "late_penalty": 0.75, "final_score": 0.75,
                        "max_score": 2.0},
              "bob": {"status": "missing", "raw_score": 0.0, "late_penalty": 0.0, "final_score": 0.0,
                      "max_score": 2.0}}
    table = format_table(["test_a"], {"test_a": 0.5}, {"alice": {"test_a": 0.5}, "bob": {"test_a": None}}, finals)
    header, alice, bob = table.splitlines()
    assert header.split() == ["student", "test_a/0.5", "tests/0.5", "raw/2", "penalty", "final/2"]
    assert alice.split() == ["alice", "0.5", "0.5", "1.5", "0.75", "0.75"]  # manual points are in raw
    assert bob.split() == ["bob", "-", "0", "-", "-", "-"]

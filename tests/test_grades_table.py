"""The per-student, per-test table printed by make demo."""
from gradekit.grades.table import format_table


def test_table_shows_each_test_with_its_maximum_and_the_total():
    table = format_table(["test_a", "test_b"], {"test_a": 0.5, "test_b": 0.0},
                         {"alice": {"test_a": 0.5, "test_b": 0.0}, "bob": {"test_a": 0.0, "test_b": None}})
    header, alice, bob = table.splitlines()
    assert header.split() == ["student", "test_a/0.5", "test_b/0", "total/0.5"]
    assert alice.split() == ["alice", "0.5", "0", "0.5"]
    assert bob.split() == ["bob", "0", "-", "0"]

"""Development support, not used while grading: the master notebook's source (source.py), executing a
notebook in a test (execution.py), and the sample submissions of tests/submissions (samples.py), which the
tests, the benchmarks and `make demo` place in a course."""

"""The numpy-nn course kit.

Subpackages follow the nbgrader flow: source -> release -> submitted ->
autograded -> feedback / grades.

The kit holds no constant of a course: the assignment, the course id, the grade ids and
their points are read from the course (nbgrader_config.py through gradekit.settings, the
gradebook, the notebooks' nbgrader metadata). The lab this repository ships is described,
for the demo, tests and benchmarks, by gradekit.dev.lab.
"""

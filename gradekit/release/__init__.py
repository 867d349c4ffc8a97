"""Release: what `nbgrader generate_assignment` records besides the student notebook."""

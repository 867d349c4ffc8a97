"""Grades: reading scores back out of the gradebook."""

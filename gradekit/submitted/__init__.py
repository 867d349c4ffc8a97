"""Submissions: what students hand in, as nbgrader expects it under submitted/."""

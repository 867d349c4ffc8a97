"""What students get back: nbgrader feedback and the standalone report, both without hidden test code."""

"""Autograding: how nbgrader executes and scores a submission."""

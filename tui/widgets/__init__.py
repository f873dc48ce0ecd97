"""Reusable widgets of the wareterm app."""

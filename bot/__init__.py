"""Học vụ số: a chatbot that teaches basic digital skills to elderly Vietnamese learners."""

__version__ = "0.1.0"

"""Lesson content: the YAML format, its validator and the in-memory catalogue."""

from bot.lessons.catalog import Catalog
from bot.lessons.loader import LoadResult, Problem, load_catalog
from bot.lessons.model import Lesson, Option, Quiz, Step, Track

__all__ = ["Catalog", "Lesson", "LoadResult", "Option", "Problem", "Quiz", "Step", "Track", "load_catalog"]

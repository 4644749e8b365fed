"""Persistence: SQLAlchemy models, the repository (all SQL), Alembic migrations."""

from bot.store.db import Database, DatabaseError
from bot.store.repository import Repository

__all__ = ["Database", "DatabaseError", "Repository"]

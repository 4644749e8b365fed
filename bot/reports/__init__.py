"""Organizer reports: figures by unit, class, lesson, volunteer, step and learner; text/CSV/Excel."""

from bot.reports.build import build_tables, report_scope, summary_text

__all__ = ["build_tables", "report_scope", "summary_text"]

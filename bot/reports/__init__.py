"""Organizer reports: figures by unit, class, lesson, volunteer, step and learner, and the campaign's
own (teams, sessions, support, outreach, certificates); text/CSV/Excel."""

from bot.reports.build import build_tables, campaign_period, report_scope, summary_text

__all__ = ["build_tables", "campaign_period", "report_scope", "summary_text"]

"""SQLAlchemy tables. All timestamps are naive UTC. No CCCD numbers, OTPs or passwords are ever stored:
learners' free text is never written anywhere; answers are option numbers or fixed action names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime()}


class Unit(Base):
    """Administrative unit: province (tỉnh) → commune (xã/phường), two tiers since 1/7/2025."""

    __tablename__ = "units"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="xa")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),
        Index("ix_users_role_unit", "role", "unit_id"),
        Index("ix_users_last_active", "last_active_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(12), default="learner")
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime]
    last_active_at: Mapped[datetime]
    # Conversation state: the choices on screen (with a version number so stale buttons are
    # recognised), the current screen and small per-user counters. Kept in the user row so one
    # row lock orders everything a learner does.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lesson_id: Mapped[str | None] = mapped_column(String(40))
    reminders_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_unanswered: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class Progress(Base):
    """Where a learner is in one lesson. Keys on lesson id + step id (step_index is a fallback for
    when the step id disappears from an edited lesson)."""

    __tablename__ = "progress"
    __table_args__ = (Index("ix_progress_lesson_status", "lesson_id", "status"),)
    # One row per (learner, lesson) is the grain of "started" and "completed" in reports: the
    # first start and first completion are kept here so reports need not scan millions of events.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    step_id: Mapped[str] = mapped_column(String(40))
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="in_progress")  # in_progress | done
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # wrong tries on the current quiz
    quiz_correct: Mapped[int] = mapped_column(Integer, default=0)
    quiz_total: Mapped[int] = mapped_column(Integer, default=0)
    runs: Mapped[int] = mapped_column(Integer, default=1)  # 1 + number of restarts after completion
    started_at: Mapped[datetime]  # start of the current run
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]  # latest completion
    first_started_at: Mapped[datetime]
    first_completed_at: Mapped[datetime | None]
    furthest_step: Mapped[int] = mapped_column(Integer, default=0)  # highest step position ever shown


class StepEvent(Base):
    """Append-only record of what learners saw and answered: the source of every report."""

    __tablename__ = "step_events"
    __table_args__ = (
        # Covering index for the reports: distinct learners per (kind, lesson, step) for the
        # drop-off funnel, and first-try correctness of quiz answers, without reading the table.
        Index("ix_step_events_report", "kind", "lesson_id", "step_id", "user_id", "attempt", "correct"),
        Index("ix_step_events_user_lesson", "user_id", "lesson_id"),
        Index("ix_step_events_kind_at", "kind", "at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[str] = mapped_column(String(40))
    step_id: Mapped[str] = mapped_column(String(40))
    # start | shown | answer | complete | recheck
    kind: Mapped[str] = mapped_column(String(12))
    answer: Mapped[str | None] = mapped_column(String(40))  # option number or action name, never free text
    correct: Mapped[bool | None] = mapped_column(Boolean)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    at: Mapped[datetime]


class ProcessedUpdate(Base):
    """Platform update ids already applied: at-least-once delivery must not act twice."""

    __tablename__ = "processed_updates"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)


class Outbox(Base):
    """Every message the bot sends is written here in the same transaction as the state change that
    caused it, then delivered and marked sent; a crash between the two re-delivers, never loses."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "channel", "sent_at", "due_at"),
        # Housekeeping deletes old rows in batches by this index (bot.store.queries.outbox).
        Index("ix_outbox_created", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # A reply to the recipient's own message (rather than a notification from someone else): only
    # replies can be superseded by the recipient's later turns (Repository.claim_outbox).
    is_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)


class HelpRequest(Base):
    __tablename__ = "help_requests"
    __table_args__ = (Index("ix_help_status_created", "status", "created_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    lesson_id: Mapped[str | None] = mapped_column(String(40))
    step_id: Mapped[str | None] = mapped_column(String(40))
    context: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | answered | resolved
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class Class(Base):
    __tablename__ = "classes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)  # deep-link token, ≥ 64 bits
    short_code: Mapped[str] = mapped_column(String(12), unique=True)  # typed code, rate-limited
    name: Mapped[str] = mapped_column(String(120))
    place: Mapped[str | None] = mapped_column(String(160))
    starts_at: Mapped[datetime | None]
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime]


class Enrollment(Base):
    __tablename__ = "enrollments"
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime]


class Pairing(Base):
    """1 kèm 1: the volunteer who tutors a learner."""

    __tablename__ = "pairings"
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    since: Mapped[datetime]


class Assignment(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    lesson_id: Mapped[str] = mapped_column(String(40))
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Invite(Base):
    """Volunteer invitation made by an organizer: expiring, with a use limit."""

    __tablename__ = "invites"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    short_code: Mapped[str] = mapped_column(String(12), unique=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(12), default="volunteer")
    expires_at: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Recheck(Base):
    """Spaced re-check of a practised skill, due 3, 7 and 30 days after the lesson."""

    __tablename__ = "rechecks"
    __table_args__ = (Index("ix_rechecks_due", "done_at", "due_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]


class MediaCache(Base):
    """Platform file ids of uploaded media, so each file is uploaded once per channel."""

    __tablename__ = "media_cache"
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(200))


class CodeFailure(Base):
    """A wrong join code typed by someone, for the rate limit on guessing (bot.core.codes). `who` is
    an HMAC of their channel and platform id under a server key, never the id itself; the row
    outlives /xoadulieu (a fresh profile must not mean fresh guesses) and is pruned after the window."""

    __tablename__ = "code_failures"
    __table_args__ = (Index("ix_code_failures_who_at", "who", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    who: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)


class ServerKey(Base):
    """Random keys the bot makes for itself once (when the config names none), shared by workers."""

    __tablename__ = "server_keys"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))

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
    # The bot the user started with, where a channel runs several (one per province…): messages the
    # bot starts itself (reminders, a volunteer's answer) go out through it. None: the default bot.
    bot: Mapped[str | None] = mapped_column(String(32))


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
    # Which of the channel's bots sends it (None: the default bot).
    bot: Mapped[str | None] = mapped_column(String(32))


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


# --- the campaign's own units: đội hình, buổi học, lượt hỗ trợ, ra quân, giấy chứng nhận ----------


class Team(Base):
    """A volunteer team (đội hình) of a unit, led by a team leader; volunteers join by its code."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(24), unique=True)  # deep-link token, ≥ 64 bits
    short_code: Mapped[str] = mapped_column(String(12), unique=True)  # typed code, rate-limited
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class TeamMember(Base):
    """A volunteer's team: the primary key on the volunteer keeps them in one team at a time."""

    __tablename__ = "team_members"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime]


class ClassSession(Base):
    """One session (buổi học) of a class. Planned with a date; *held* once its volunteer started it
    (`held_at`): "classes held" and attendance count held sessions only."""

    __tablename__ = "class_sessions"
    __table_args__ = (Index("ix_class_sessions_held", "held_at", "class_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime | None]  # planned date and time
    place: Mapped[str | None] = mapped_column(String(160))
    code: Mapped[str] = mapped_column(String(24), unique=True)  # check-in link, ≥ 64 bits
    short_code: Mapped[str] = mapped_column(String(12), unique=True)  # typed check-in code
    held_at: Mapped[datetime | None]  # started by its volunteer
    ended_at: Mapped[datetime | None]
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)  # attendees without a phone: a number only
    created_at: Mapped[datetime]


class Attendance(Base):
    """A learner at a session (điểm danh): checked in by scanning or typing its code, or ticked by
    the volunteer from the class roster. One row per learner and session: «lượt» are rows."""

    __tablename__ = "session_attendance"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    how: Mapped[str] = mapped_column(String(8))  # scan | tick
    at: Mapped[datetime]


class OutreachEvent(Base):
    """A day volunteers go out together (hoạt động ra quân), a duty shift at a public-administration
    service centre, or a training for volunteers (tập huấn): the same thing with a place type."""

    __tablename__ = "outreach_events"
    __table_args__ = (Index("ix_outreach_events_day", "starts_at", "kind"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))  # outreach | center | training
    place: Mapped[str | None] = mapped_column(String(160))
    starts_at: Mapped[datetime]  # the day (and time) it takes place
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    short_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class VolunteerCheckin(Base):
    """A volunteer present at an outreach day, a duty shift or a training: one «lượt ĐVTN»."""

    __tablename__ = "volunteer_checkins"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    at: Mapped[datetime]


class SupportEntry(Base):
    """Support given face to face (lượt hỗ trợ): what, how many people, where. Counts only: nothing
    about the people helped (no name, phone or ID) unless one is a learner in the bot."""

    __tablename__ = "support_entries"
    __table_args__ = (
        # Covering indexes for the reports, in the order they group by, so that 500,000 entries
        # are summed in one pass without sorting: people per unit, kind and place; per volunteer.
        Index("ix_support_report", "unit_id", "kind", "place", "created_at", "people"),
        Index("ix_support_volunteer", "volunteer_id", "created_at", "people"),
        # People supported at a session or an outreach day (the partner organizations' figures).
        Index("ix_support_session", "session_id", "created_at", "unit_id", "people"),
        Index("ix_support_event", "event_id", "created_at", "unit_id", "people"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # vneid | dvc | payment | phone | ai | other
    place: Mapped[str] = mapped_column(String(12))  # session | outreach | center | home
    people: Mapped[int] = mapped_column(Integer, default=1)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))  # where it happened
    session_id: Mapped[int | None] = mapped_column(ForeignKey("class_sessions.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("outreach_events.id", ondelete="SET NULL"))
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class ClassPartner(Base):
    """An organization co-organizing a class (ids from `campaign.partners` in the config)."""

    __tablename__ = "class_partners"
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    partner: Mapped[str] = mapped_column(String(24), primary_key=True)


class EventPartner(Base):
    """An organization co-organizing an outreach day or shift."""

    __tablename__ = "event_partners"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_events.id", ondelete="CASCADE"), primary_key=True
    )
    partner: Mapped[str] = mapped_column(String(24), primary_key=True)


class Certificate(Base):
    """A certificate (giấy chứng nhận) for completing every lesson of a track. What was printed is
    kept, so the verification code always answers with the same name, track and date."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "track_id", name="uq_certificates_user_track"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # verification code, ~50 random bits
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[str] = mapped_column(String(40))
    track_title: Mapped[str] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(100))  # as printed; erased with the learner's data
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(index=True)


class WebToken(Base):
    """A one-time link to the web dashboard: sign-in (/web) or a report download (/baocao on Zalo).
    Only a SHA-256 of the token is kept: a copy of the database signs nobody in."""

    __tablename__ = "web_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # signin | download
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser. The cookie carries a random id; only its SHA-256 is kept. The role and
    unit at sign-in are kept too: a session whose person changed role or unit, or erased their data,
    is over (checked on every request)."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class AppSecret(Base):
    """Secrets the application generates for itself once (the web dashboard's cookie-signing key
    when none is configured), shared by every process on the database."""

    __tablename__ = "app_secrets"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
class CodeFailure(Base):
    """A wrong join code typed by someone, for the rate limit on guessing (bot.core.codes). `who` is
    an HMAC of their channel and platform id under a server key, never the id itself; the row
    outlives /xoadulieu (a fresh profile must not mean fresh guesses) and is pruned after the window."""

    __tablename__ = "code_failures"
    __table_args__ = (Index("ix_code_failures_who_at", "who", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    who: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)


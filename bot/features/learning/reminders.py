"""Reminder nudges: a learner idle mid-lesson for `reminders.idle_days` gets one nudge per period,
only inside the configured local hours, and none after `max_unanswered` unanswered ones. The nudge
is a screen of its own: «Học tiếp» continues the lesson, «Tạm dừng nhắc» pauses reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.engine import Tutor
from bot.core.lesson_state import current_lesson
from bot.core.router import Router

router = Router()

NUDGE = "⏰ Chào {b}! Bài «{title}» đang chờ {b} ở bước {number}/{total}. Mình học tiếp nhé?"


@router.job("reminded", quiet_hours=True)
async def remind(tutor: Tutor, now: datetime) -> int:
    period = timedelta(days=tutor.settings.reminders.idle_days)
    limit = tutor.settings.reminders.max_unanswered
    async with tutor.db.reader() as repo:
        candidates = await repo.idle_learners(now - period, now - period, limit)
    sent = 0
    for user_id in candidates:
        async with tutor.system_turn(user_id, now) as turn:
            if turn is None:
                continue
            user = turn.user
            # Re-checked under the lock: the learner may have written meanwhile.
            if (
                user.reminders_paused
                or user.reminders_unanswered >= limit
                or user.last_active_at >= now - period
                or (user.last_reminder_at is not None and user.last_reminder_at >= now - period)
            ):
                continue
            found = await current_lesson(turn)
            if found is None:
                continue
            lesson, progress = found
            turn.show(
                "nudge",
                NUDGE.format(
                    b=tutor.words.address,
                    title=lesson.title,
                    number=progress.step_index + 1,
                    total=len(lesson.steps),
                ),
                [("▶️ Học tiếp", "continue", False), ("🔕 Tạm dừng nhắc", "pause", False)],
            )
            user.last_reminder_at = now
            user.reminders_unanswered += 1
            sent += 1
    return sent

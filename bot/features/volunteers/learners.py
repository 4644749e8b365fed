"""/hocvien: the learners a volunteer tutors "1 kèm 1", with where each one is and since when."""

from __future__ import annotations

from bot.core.people import display
from bot.core.router import VOLUNTEER, Router
from bot.core.timefmt import ago
from bot.core.turn import Turn
from bot.core.words import class_title
from bot.features.volunteers.menu import show_volunteer_menu

router = Router()

NO_LEARNERS = "Bạn chưa kèm học viên nào. Học viên vào lớp của bạn sẽ hiện ở đây."
LEARNERS = "👥 Học viên bạn đang kèm ({count}):"


@router.command("hocvien", roles=VOLUNTEER, menu="Học viên tôi đang kèm")
@router.action("learners", roles=VOLUNTEER)
async def my_learners(turn: Turn, _arg: str) -> None:
    rows = await turn.repo.learners_of(turn.user.id)
    if not rows:
        await show_volunteer_menu(turn, intro=NO_LEARNERS)
        return
    lines = []
    for learner, progress, open_help in rows:
        klass = await turn.repo.class_of_learner(learner.id)
        lesson = turn.catalog.lesson(progress.lesson_id) if progress else None
        if lesson is None:
            where = "chưa học bài nào"
        elif progress.status == "done":
            where = f"đã học xong «{lesson.title}»"
        else:
            where = f"«{lesson.title}» bước {progress.step_index + 1}/{len(lesson.steps)}"
        parts = [f"#{learner.id} {display(learner)}"]
        if klass:
            parts.append(class_title(klass.name))
        parts += [where, ago(learner.last_active_at, turn.now)]
        if open_help:
            parts.append(f"🙋 {open_help} yêu cầu")
        lines.append(" · ".join(parts))
    turn.say_lines(LEARNERS.format(count=len(rows)), lines)
    await show_volunteer_menu(turn)

"""Volunteer routes: classes with QR join codes, assignments, "1 kèm 1" learners, help answers.

Every handler re-checks on the server that the volunteer may act on the class, learner or request
named in its (untrusted) argument: their own, or — for organizers — inside their unit's subtree.
Volunteers are young union members and are addressed as "bạn".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.store.models import Assignment, Class, HelpRequest, User
from bot.tutor import codes
from bot.tutor.replies import Button, Reply
from bot.tutor.router import VOLUNTEER, Router
from bot.tutor.text import as_id, short_label
from bot.tutor.turn import ChoiceSpec, Turn

router = Router()

CANCEL: ChoiceSpec = ("✖️ Hủy", "vmenu", True)
SKIP = "Bỏ qua"

T = {
    "menu": "🧑‍🏫 Việc của tình nguyện viên. Bạn chọn một việc:",
    "ask_name": "Tên lớp là gì? Ví dụ: Lớp điện thoại thông minh thôn 3.",
    "ask_place": "Lớp học ở đâu? Ví dụ: Nhà văn hóa thôn 3. Không cần thì bấm «Bỏ qua».",
    "ask_time": "Lớp học lúc nào? Gõ ngày giờ, ví dụ: 25/11 8:00. Không cần thì bấm «Bỏ qua».",
    "bad_time": "Chưa đọc được ngày giờ. Bạn gõ như 25/11 8:00, hoặc bấm «Bỏ qua».",
    "bad_name": "Tên lớp cần từ 3 đến 120 ký tự. Bạn gõ lại nhé.",
    "created": "✅ Đã tạo lớp «{name}»{details}.\nHọc viên quét mã QR này{link}.\nTrên Zalo, học viên gõ mã: {code}",
    "class": "🏫 Lớp «{name}»{details}: {count} học viên.\nMã để gõ: {code}{link}",
    "no_classes": "Bạn chưa có lớp nào. Bấm «Tạo lớp» để bắt đầu.",
    "classes": "🏫 Lớp của bạn:",
    "assign_to": "Giao bài cho ai?",
    "assign_learner": "Chọn học viên:",
    "assign_track": "Chọn chủ đề của bài cần giao:",
    "assign_lesson": "Chọn bài cần giao:",
    "assigned": "📌 Đã giao bài «{title}» cho {target}.",
    "assigned_learner": "📌 Tình nguyện viên {volunteer} giao cho Bác bài «{title}». Bác gõ «menu» để bắt đầu học nhé.",
    "no_learners": "Bạn chưa kèm học viên nào. Học viên vào lớp của bạn sẽ hiện ở đây.",
    "learners": "👥 Học viên bạn đang kèm ({count}):",
    "no_requests": "Không có yêu cầu giúp đỡ nào đang chờ. 👍",
    "requests": "🙋 Yêu cầu giúp đỡ đang chờ ({count}):",
    "answer_prompt": "✍️ Gõ câu trả lời cho {learner} (yêu cầu #{id}). Tin nhắn của bạn sẽ được chuyển nguyên văn.",
    "answer_sent": "✅ Đã gửi câu trả lời cho {learner}.",
    "answer_to_learner": "💬 Tình nguyện viên {volunteer} trả lời Bác:\n{text}",
    "resolved": "✅ Đã đánh dấu yêu cầu #{id} là đã giải quyết.",
    "resolved_learner": "✅ Tình nguyện viên {volunteer} đã giải quyết câu hỏi của Bác. Bác cứ học tiếp nhé!",
    "not_found": "Không tìm thấy, hoặc bạn không phụ trách việc này.",
    "usage_answer": "Cách dùng: /traloi <số yêu cầu> <câu trả lời>",
    "usage_resolve": "Cách dùng: /xong <số yêu cầu>",
    "usage_assign": "Cách dùng: /giaobai, rồi chọn lớp và bài. Hoặc: /giaobai <mã bài> <mã lớp>",
}

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def organizer_covers(turn: Turn, unit_id: str | None) -> bool:
    """An organizer acts on anything in their unit's subtree (everything, without a unit)."""
    if turn.user.role != "organizer":
        return False
    scope = await turn.repo.scope(turn.user.unit_id)
    return scope is None or unit_id in scope


async def show_volunteer_menu(turn: Turn, intro: str | None = None) -> None:
    helper = turn.user
    scope = await turn.repo.scope(helper.unit_id) if helper.role == "organizer" else None
    waiting = len(await turn.repo.open_requests_for(helper, scope))
    choices: list[ChoiceSpec] = [
        ("➕ Tạo lớp", "class-new", False),
        ("🏫 Lớp của tôi", "classes", False),
        ("📌 Giao bài", "assign", False),
        ("👥 Học viên của tôi", "learners", False),
        (f"🙋 Yêu cầu giúp đỡ ({waiting})", "requests", False),
        (turn.w("btn_menu"), "menu", True),
    ]
    turn.show("vmenu", f"{intro}\n\n{T['menu']}" if intro else T["menu"], choices)


@router.command("tnvmenu", roles=VOLUNTEER)
@router.action("vmenu", roles=VOLUNTEER)
async def volunteer_menu(turn: Turn, _arg: str) -> None:
    await show_volunteer_menu(turn)


# --- creating a class --------------------------------------------------------------------------


@router.command("taolop", roles=VOLUNTEER)
@router.action("class-new", roles=VOLUNTEER)
async def new_class(turn: Turn, _arg: str) -> None:
    turn.set_state("draft", {})
    turn.show("class-name", T["ask_name"], [CANCEL])
    turn.set_state("awaiting", "class-name")


@router.action("input-class-name", roles=VOLUNTEER)
async def class_name(turn: Turn, text: str) -> None:
    name = " ".join(text.split())
    if not 3 <= len(name) <= 120:
        turn.reprompt(T["bad_name"])
        return
    turn.set_state("draft", {"name": name})
    turn.show("class-place", T["ask_place"], [(SKIP, "class-place-skip", False), CANCEL])
    turn.set_state("awaiting", "class-place")


@router.action("input-class-place", roles=VOLUNTEER)
async def class_place(turn: Turn, text: str) -> None:
    draft = dict(turn.state.get("draft") or {})
    draft["place"] = " ".join(text.split())[:160]
    turn.set_state("draft", draft)
    await _ask_time(turn)


@router.action("class-place-skip", roles=VOLUNTEER)
async def class_place_skip(turn: Turn, _arg: str) -> None:
    await _ask_time(turn)


async def _ask_time(turn: Turn) -> None:
    turn.show("class-time", T["ask_time"], [(SKIP, "class-time-skip", False), CANCEL])
    turn.set_state("awaiting", "class-time")


@router.action("input-class-time", roles=VOLUNTEER)
async def class_time(turn: Turn, text: str) -> None:
    when = parse_local_time(text, turn.now)
    if when is None:
        turn.reprompt(T["bad_time"])
        return
    await _create_class(turn, when)


@router.action("class-time-skip", roles=VOLUNTEER)
async def class_time_skip(turn: Turn, _arg: str) -> None:
    await _create_class(turn, None)


def parse_local_time(text: str, now: datetime) -> datetime | None:
    """'25/11 8:00', '25/11/2026 8h30', '25/11' (local time) → naive UTC, or None."""
    import re

    match = re.fullmatch(
        r"\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?(?:\s+(?:lúc\s+)?(\d{1,2})(?:[:hg](\d{2})?)?)?\s*",
        text.lower(),
    )
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    local_now = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(TZ)
    year_value = int(year) if year else local_now.year
    if year_value < 100:
        year_value += 2000
    try:
        local = datetime(year_value, int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=TZ)
    except ValueError:
        return None
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def local_text(when: datetime | None) -> str:
    if when is None:
        return ""
    local = when.replace(tzinfo=ZoneInfo("UTC")).astimezone(TZ)
    return local.strftime("%H:%M %d/%m/%Y")


def _details(klass: Class) -> str:
    parts = [p for p in (klass.place, local_text(klass.starts_at)) if p]
    return f" ({', '.join(parts)})" if parts else ""


def _join_link(turn: Turn, klass: Class) -> str | None:
    base = turn.tutor.link_base
    return f"{base}c-{klass.code}" if base else None


async def _create_class(turn: Turn, when: datetime | None) -> None:
    draft = dict(turn.state.get("draft") or {})
    turn.set_state("draft", None)
    turn.set_state("awaiting", None)
    if not draft.get("name"):
        await new_class(turn, "")
        return
    klass = Class(
        code=codes.link_code(),
        short_code=await _free_short_code(turn),
        name=draft["name"],
        place=draft.get("place"),
        starts_at=when,
        volunteer_id=turn.user.id,
        unit_id=turn.user.unit_id,
        created_at=turn.now,
    )
    turn.repo.add(klass)
    await turn.repo.flush()
    link = _join_link(turn, klass)
    text = T["created"].format(
        name=klass.name,
        details=_details(klass),
        link=f" hoặc mở link:\n{link}" if link else "",
        code=klass.short_code,
    )
    turn.show(
        f"class:{klass.id}",
        text,
        [("📌 Giao bài cho lớp này", f"assign-to:c{klass.id}", False), ("🧑‍🏫 Việc khác", "vmenu", True)],
        image_bytes=codes.qr_png(link or klass.short_code),
    )


async def _free_short_code(turn: Turn) -> str:
    while True:
        code = codes.short_code()
        if await turn.repo.class_by_code(code) is None and await turn.repo.invite_by_code(code) is None:
            return code


# --- classes -------------------------------------------------------------------------------------


@router.command("lop", roles=VOLUNTEER)
@router.action("classes", roles=VOLUNTEER)
async def my_classes(turn: Turn, _arg: str) -> None:
    classes = await turn.repo.classes_of(turn.user.id)
    if not classes:
        turn.show(
            "classes",
            T["no_classes"],
            [("➕ Tạo lớp", "class-new", False), ("🧑‍🏫 Việc khác", "vmenu", True)],
        )
        return
    choices: list[ChoiceSpec] = [
        (short_label(f"🏫 {klass.name} ({count} học viên)"), f"class:{klass.id}", False)
        for klass, count in classes[:8]
    ]
    choices.append(("🧑‍🏫 Việc khác", "vmenu", True))
    turn.show("classes", T["classes"], choices)


async def _own_class(turn: Turn, class_id: str) -> Class | None:
    """A class the user may manage: their own, or (organizers) one inside their scope."""
    number = as_id(class_id)
    if number is None:
        return None
    klass = await turn.repo.class_(number)
    if klass is None:
        return None
    if klass.volunteer_id == turn.user.id:
        return klass
    if await organizer_covers(turn, klass.unit_id):
        return klass
    return None


@router.action("class", roles=VOLUNTEER)
async def class_detail(turn: Turn, class_id: str) -> None:
    klass = await _own_class(turn, class_id)
    if klass is None:
        await show_volunteer_menu(turn, intro=T["not_found"])
        return
    count = len(await turn.repo.enrolled(klass.id))
    link = _join_link(turn, klass)
    turn.show(
        f"class:{klass.id}",
        T["class"].format(
            name=klass.name,
            details=_details(klass),
            count=count,
            code=klass.short_code,
            link=f"\nLink: {link}" if link else "",
        ),
        [("📌 Giao bài cho lớp này", f"assign-to:c{klass.id}", False), ("🧑‍🏫 Việc khác", "vmenu", True)],
        image_bytes=codes.qr_png(link or klass.short_code),
    )


# --- assignments -------------------------------------------------------------------------------


@router.command("giaobai", roles=VOLUNTEER)
async def assign_command(turn: Turn, arg: str) -> None:
    parts = arg.split()
    if not parts:
        await assign_start(turn, "")
        return
    lesson = turn.catalog.lesson(parts[0])
    target = parts[1] if len(parts) > 1 else ""
    if lesson is None or not target:
        turn.say(T["usage_assign"])
        return
    if target.startswith("#") and as_id(target[1:]) is not None:
        key = f"u{target[1:]}"
    else:
        klass = await turn.repo.class_by_code(target.upper())
        key = f"c{klass.id}" if klass else ""
    await _assign(turn, key, lesson.id)


@router.action("assign", roles=VOLUNTEER)
async def assign_start(turn: Turn, _arg: str) -> None:
    classes = await turn.repo.classes_of(turn.user.id)
    choices: list[ChoiceSpec] = [
        (short_label(f"🏫 Lớp {klass.name} ({count})"), f"assign-to:c{klass.id}", False)
        for klass, count in classes[:6]
    ]
    choices += [("👤 Một học viên", "assign-pick", False), CANCEL]
    turn.show("assign", T["assign_to"], choices)


@router.action("assign-pick", roles=VOLUNTEER)
async def assign_pick_learner(turn: Turn, _arg: str) -> None:
    learners = await turn.repo.learners_of(turn.user.id, limit=8)
    if not learners:
        await show_volunteer_menu(turn, intro=T["no_learners"])
        return
    choices: list[ChoiceSpec] = [
        (short_label(f"👤 {codes.display(u)}"), f"assign-to:u{u.id}", False) for u, _, _ in learners
    ]
    choices.append(CANCEL)
    turn.show("assign-learner", T["assign_learner"], choices)


@router.action("assign-to", roles=VOLUNTEER)
async def assign_target(turn: Turn, target: str) -> None:
    if await _target_learners(turn, target) is None:
        await show_volunteer_menu(turn, intro=T["not_found"])
        return
    turn.set_state("assign_target", target)
    choices: list[ChoiceSpec] = [
        (track.title, f"assign-track:{track.id}", False)
        for track in turn.catalog.tracks
        if turn.catalog.in_track(track.id)
    ]
    choices.append(CANCEL)
    turn.show("assign-track", T["assign_track"], choices)


@router.action("assign-track", roles=VOLUNTEER)
async def assign_track(turn: Turn, track_id: str) -> None:
    lessons = turn.catalog.in_track(track_id)
    choices: list[ChoiceSpec] = [
        (short_label(lesson.title), f"assign-lesson:{lesson.id}", False) for lesson in lessons[:10]
    ]
    choices.append(CANCEL)
    turn.show("assign-lesson", T["assign_lesson"], choices)


@router.action("assign-lesson", roles=VOLUNTEER)
async def assign_lesson(turn: Turn, lesson_id: str) -> None:
    await _assign(turn, str(turn.state.get("assign_target") or ""), lesson_id)


async def _target_learners(turn: Turn, target: str) -> tuple[str, list[User]] | None:
    """('lớp «X»' or the learner's name, the learners) if the user may assign to this target."""
    kind, ident = target[:1], target[1:]
    if kind == "c":
        klass = await _own_class(turn, ident)
        if klass is None:
            return None
        return f"lớp «{klass.name}»", await turn.repo.enrolled(klass.id)
    if kind == "u":
        learner = await _own_learner(turn, ident)
        return (codes.display(learner), [learner]) if learner else None
    return None


async def _own_learner(turn: Turn, learner_id: str) -> User | None:
    """A learner the user tutors (paired), or — for organizers — one inside their scope."""
    number = as_id(learner_id)
    if number is None:
        return None
    learner = await turn.repo.user(number)
    if learner is None or learner.deleted_at is not None:
        return None
    paired = await turn.repo.paired_volunteer(learner.id)
    if paired is not None and paired.id == turn.user.id:
        return learner
    if await organizer_covers(turn, learner.unit_id):
        return learner
    return None


async def _assign(turn: Turn, target: str, lesson_id: str) -> None:
    lesson = turn.catalog.lesson(lesson_id)
    found = await _target_learners(turn, target)
    turn.set_state("assign_target", None)
    if lesson is None or found is None:
        await show_volunteer_menu(turn, intro=T["not_found"])
        return
    label, learners = found
    kind, ident = target[:1], int(target[1:])
    turn.repo.add(
        Assignment(
            lesson_id=lesson.id,
            learner_id=ident if kind == "u" else None,
            class_id=ident if kind == "c" else None,
            assigned_by=turn.user.id,
            created_at=turn.now,
        )
    )
    note = T["assigned_learner"].format(volunteer=codes.display(turn.user), title=lesson.title)
    for learner in learners:
        turn.notify(learner, Reply(note, buttons=(Button("▶️ Học ngay", f"l.{lesson.id}"),)))
    await show_volunteer_menu(turn, intro=T["assigned"].format(title=lesson.title, target=label))


# --- learners ------------------------------------------------------------------------------------


def ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return "vừa xong"
    if seconds < 3600:
        return f"{seconds // 60} phút trước"
    if seconds < 86400:
        return f"{seconds // 3600} giờ trước"
    return f"{seconds // 86400} ngày trước"


@router.command("hocvien", roles=VOLUNTEER)
@router.action("learners", roles=VOLUNTEER)
async def my_learners(turn: Turn, _arg: str) -> None:
    rows = await turn.repo.learners_of(turn.user.id)
    if not rows:
        await show_volunteer_menu(turn, intro=T["no_learners"])
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
        parts = [f"#{learner.id} {codes.display(learner)}"]
        if klass:
            parts.append(f"lớp {klass.name}")
        parts += [where, ago(learner.last_active_at, turn.now)]
        if open_help:
            parts.append(f"🙋 {open_help} yêu cầu")
        lines.append(" · ".join(parts))
    turn.say_lines(T["learners"].format(count=len(rows)), lines)
    await show_volunteer_menu(turn)


# --- help requests -----------------------------------------------------------------------------


async def _own_request(turn: Turn, request_id: str) -> HelpRequest | None:
    number = as_id(request_id)
    if number is None:
        return None
    request = await turn.repo.help_request(number)
    if request is None:
        return None
    helper = turn.user
    if request.volunteer_id == helper.id:
        return request
    if (
        helper.role == "volunteer"
        and request.volunteer_id is None
        and request.unit_id
        and request.unit_id == helper.unit_id
    ):
        return request
    if await organizer_covers(turn, request.unit_id):
        return request
    return None


def help_buttons(request_id: int) -> tuple[Button, ...]:
    return (Button("✍️ Trả lời", f"h.r{request_id}"), Button("✅ Đã giải quyết", f"h.d{request_id}"))


@router.command("yeucau", roles=VOLUNTEER)
@router.action("requests", roles=VOLUNTEER)
async def open_requests(turn: Turn, _arg: str) -> None:
    scope = await turn.repo.scope(turn.user.unit_id) if turn.user.role == "organizer" else None
    requests = await turn.repo.open_requests_for(turn.user, scope)
    if not requests:
        await show_volunteer_menu(turn, intro=T["no_requests"])
        return
    for request in requests:
        learner = await turn.repo.user(request.learner_id)
        status = " (đã trả lời)" if request.status == "answered" else ""
        turn.say(
            f"🙋 #{request.id} {codes.display(learner)}{status}, {ago(request.created_at, turn.now)}\n{request.context}",
            buttons=help_buttons(request.id),
        )
    await show_volunteer_menu(turn, intro=T["requests"].format(count=len(requests)))


@router.button("h", roles=VOLUNTEER)
async def help_button(turn: Turn, arg: str) -> None:
    """'r12' answer request 12, 'd12' mark it resolved. Scope is checked as for typed commands."""
    if arg[:1] == "r":
        await _start_answer(turn, arg[1:])
    elif arg[:1] == "d":
        await _resolve(turn, arg[1:])
    else:
        turn.toast(turn.w("bad_button"))


async def _start_answer(turn: Turn, request_id: str) -> None:
    request = await _own_request(turn, request_id)
    if request is None or request.status == "resolved":
        turn.say(T["not_found"])
        return
    learner = await turn.repo.user(request.learner_id)
    turn.set_state("help_id", request.id)
    turn.show(
        "help-answer", T["answer_prompt"].format(learner=codes.display(learner), id=request.id), [CANCEL]
    )
    turn.set_state("awaiting", "help-answer")


@router.action("input-help-answer", roles=VOLUNTEER)
async def help_answer(turn: Turn, text: str) -> None:
    request_id = str(turn.state.get("help_id") or "")
    turn.set_state("help_id", None)
    turn.set_state("awaiting", None)
    await _answer(turn, request_id, text)


@router.command("traloi", roles=VOLUNTEER)
async def answer_command(turn: Turn, arg: str) -> None:
    request_id, _, text = arg.partition(" ")
    if as_id(request_id.lstrip("#")) is None or not text.strip():
        turn.say(T["usage_answer"])
        return
    await _answer(turn, request_id.lstrip("#"), text)


async def _answer(turn: Turn, request_id: str, text: str) -> None:
    request = await _own_request(turn, request_id)
    learner = await turn.repo.user(request.learner_id) if request else None
    if request is None or learner is None or request.status == "resolved":
        await show_volunteer_menu(turn, intro=T["not_found"])
        return
    body = text.strip()[:3500]
    turn.notify(
        learner,
        Reply(
            T["answer_to_learner"].format(volunteer=codes.display(turn.user), text=body), sender="volunteer"
        ),
    )
    request.status = "answered"
    request.answered_at = request.answered_at or turn.now
    request.volunteer_id = request.volunteer_id or turn.user.id
    turn.say(T["answer_sent"].format(learner=codes.display(learner)), buttons=help_buttons(request.id)[1:])
    await show_volunteer_menu(turn)


@router.command("xong", roles=VOLUNTEER)
async def resolve_command(turn: Turn, arg: str) -> None:
    if as_id(arg.strip().lstrip("#")) is None:
        turn.say(T["usage_resolve"])
        return
    await _resolve(turn, arg.strip().lstrip("#"))


async def _resolve(turn: Turn, request_id: str) -> None:
    request = await _own_request(turn, request_id)
    if request is None or request.status == "resolved":
        turn.say(T["not_found"])
        return
    request.status = "resolved"
    request.resolved_at = turn.now
    request.answered_at = request.answered_at or turn.now
    request.volunteer_id = request.volunteer_id or turn.user.id
    learner = await turn.repo.user(request.learner_id)
    if learner is not None:
        turn.notify(learner, Reply(T["resolved_learner"].format(volunteer=codes.display(turn.user))))
    turn.say(T["resolved"].format(id=request.id))

"""What the classes feature says. Volunteers are young union members and are addressed as "bạn";
learners by the configured form of address, `{b}`."""

from __future__ import annotations

from bot.core.turn import ChoiceSpec

CANCEL: ChoiceSpec = ("✖️ Hủy", "vmenu", True)
OTHER_TASKS: ChoiceSpec = ("🧑‍🏫 Việc khác", "vmenu", True)
SKIP = "Bỏ qua"

T = {
    "ask_name": "Tên lớp là gì? Ví dụ: Lớp điện thoại thông minh thôn 3.",
    "ask_place": "Lớp học ở đâu? Ví dụ: Nhà văn hóa thôn 3. Không cần thì bấm «Bỏ qua».",
    "ask_time": "Lớp học lúc nào? Gõ ngày giờ, ví dụ: 25/11 8:00. Không cần thì bấm «Bỏ qua».",
    "bad_time": "Chưa đọc được ngày giờ. Bạn gõ như 25/11 8:00, hoặc bấm «Bỏ qua».",
    "bad_name": "Tên lớp cần từ 3 đến 120 ký tự. Bạn gõ lại nhé.",
    "created": "✅ Đã tạo lớp «{name}»{details}.\n{how}",
    "class": "🏫 Lớp «{name}»{details}: {count} học viên.\n{how}",
    # A link goes on a line of its own with nothing glued to its end (a final full stop breaks it
    # in some apps).
    "join_link": "Học viên quét mã QR trong ảnh, hoặc mở link:\n{link}\nHoặc nhắn cho bot và gõ mã: {code}",
    "join_code": "Học viên nhắn cho bot và gõ mã: {code}",
    "rotated": "🔄 Đã đổi mã lớp «{name}». Mã và link cũ không dùng được nữa; học viên đã vào lớp vẫn ở trong lớp.",
    "time_past": "Ngày giờ {when} đã qua rồi. Bạn vẫn muốn ghi ngày giờ này cho lớp?",
    "time_keep": "Đúng, ghi {when}",
    "time_retype": "✏️ Gõ lại ngày giờ",
    "no_classes": "Bạn chưa có lớp nào. Bấm «Tạo lớp» để bắt đầu.",
    "classes": "🏫 Lớp của bạn:",
    "assign_to": "Giao bài cho ai?",
    "assign_learner": "Chọn học viên:",
    "assign_track": "Chọn chủ đề của bài cần giao:",
    "assign_lesson": "Chọn bài cần giao:",
    "assigned": "📌 Đã giao bài «{title}» cho {target}.",
    "assigned_waived": (
        " Bài này thường học sau «{required}»; vì bạn giao, học viên mở được ngay, không phải học bài kia trước."
    ),
    "class_choice": "🏫 {title} · {count} học viên",
    "assigned_learner": "📌 Tình nguyện viên {volunteer} giao cho {b} bài «{title}». {b} gõ «menu» để bắt đầu học nhé.",
    "no_learners": "Bạn chưa kèm học viên nào. Học viên vào lớp của bạn sẽ hiện ở đây.",
    "not_found": "Không tìm thấy, hoặc bạn không phụ trách việc này.",
    "usage_assign": "Cách dùng: /giaobai, rồi chọn lớp và bài. Hoặc: /giaobai <mã bài> <mã lớp>",
    "joined": "🎉 {b} đã vào lớp «{name}»{place}. Tình nguyện viên {volunteer} sẽ giúp {b} học.",
    "already_joined": "{b} đã ở trong lớp «{name}» rồi ạ.",
    "new_learner": "👋 {learner} đã vào lớp «{name}».",
}

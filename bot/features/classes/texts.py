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
    "created": "✅ Đã tạo lớp «{name}»{details}.\nHọc viên quét mã QR này{link}.\nTrên Zalo, học viên gõ mã: {code}",
    "class": "🏫 Lớp «{name}»{details}: {count} học viên.\nMã để gõ: {code}{link}",
    "no_classes": "Bạn chưa có lớp nào. Bấm «Tạo lớp» để bắt đầu.",
    "classes": "🏫 Lớp của bạn:",
    "assign_to": "Giao bài cho ai?",
    "assign_learner": "Chọn học viên:",
    "assign_track": "Chọn chủ đề của bài cần giao:",
    "assign_lesson": "Chọn bài cần giao:",
    "assigned": "📌 Đã giao bài «{title}» cho {target}.",
    "assigned_learner": "📌 Tình nguyện viên {volunteer} giao cho {b} bài «{title}». {b} gõ «menu» để bắt đầu học nhé.",
    "no_learners": "Bạn chưa kèm học viên nào. Học viên vào lớp của bạn sẽ hiện ở đây.",
    "not_found": "Không tìm thấy, hoặc bạn không phụ trách việc này.",
    "usage_assign": "Cách dùng: /giaobai, rồi chọn lớp và bài. Hoặc: /giaobai <mã bài> <mã lớp>",
    "joined": "🎉 {b} đã vào lớp «{name}»{place}. Tình nguyện viên {volunteer} sẽ giúp {b} học.",
    "already_joined": "{b} đã ở trong lớp «{name}» rồi ạ.",
    "new_learner": "👋 {learner} đã vào lớp «{name}».",
}

"""What the sessions feature says: volunteers as «bạn», learners in the configured register ({b})."""

from __future__ import annotations

from bot.core.turn import ChoiceSpec

VMENU: ChoiceSpec = ("🧑‍🏫 Việc khác", "vmenu", True)
SKIP = "Bỏ qua"

T = {
    "no_classes": "Bạn chưa có lớp nào. Tạo lớp trước (/taolop), rồi mở buổi học.",
    "pick_class": "🏫 Buổi học của lớp nào?",
    "class": "🏫 {title}: {held} buổi đã học, {attendance} lượt dự.{next}",
    "next": "\nBuổi tới: {when}{place}.",
    "ask_time": "Buổi học lúc nào? Gõ ngày giờ, ví dụ: 25/11 8:00.",
    "bad_time": "Chưa đọc được ngày giờ. Bạn gõ như 25/11 8:00 nhé.",
    "ask_place": "Học ở đâu? Ví dụ: Nhà văn hóa thôn 3. Giống lớp thì bấm «Bỏ qua».",
    "planned": "📅 Đã lên lịch buổi học {when}{place}.",
    "open": (
        "▶️ Buổi học {title} đang diễn ra ({details}).\nHọc viên quét mã QR hoặc gõ mã: {code}{link}\n"
        "Đã điểm danh: {checked} · không có điện thoại: {walk_ins} · tổng: {total} lượt."
    ),
    "ended": (
        "⏹ Buổi học {title} ({details}) đã kết thúc: {total} lượt dự ({checked} điểm danh, "
        "{walk_ins} không có điện thoại)."
    ),
    "roster": "☑️ {title}: bấm tên người có mặt (bấm lại để bỏ). Có mặt: {checked}/{enrolled}.",
    "roster_empty": "Lớp chưa có học viên nào trong bot. Học viên quét mã QR của buổi học để điểm danh.",
    "ask_walk_ins": (
        "Có bao nhiêu người dự buổi này mà không dùng điện thoại (chỉ cần con số, không cần tên)? "
        "Gõ tổng số, ví dụ 4. Hiện đang ghi: {walk_ins}. Gõ «hủy» để thôi."
    ),
    "bad_walk_ins": "Bạn gõ một con số từ 0 đến 500 nhé, hoặc «hủy».",
    "not_found": "Không tìm thấy buổi học, hoặc bạn không phụ trách lớp này.",
    "checked_in": "✅ {b} đã điểm danh buổi học {title}. Chúc {b} học vui!",
    "already_in": "{b} đã điểm danh buổi học này rồi ạ.",
    "not_open": "Buổi học này chưa bắt đầu hoặc đã kết thúc. {b} hỏi tình nguyện viên của lớp nhé.",
    "for_learners": "Mã này để học viên điểm danh buổi học {title}.",
}

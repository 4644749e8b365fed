"""Every sentence the bot says on its own (lesson texts come from the YAML files).

`{b}` is the form of address chosen in config ("Bác", "Cô", "Chú"). Keep each under 500 characters.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, str] = {
    # buttons
    "btn_next": "Tiếp tục",
    "btn_done": "✅ Xong",
    "btn_notyet": "Tôi chưa làm được",
    "btn_repeat": "🔁 Nhắc lại",
    "btn_back": "⬅️ Quay lại",
    "btn_help": "🙋 Hỏi người giúp",
    "btn_menu": "🏠 Menu",
    "btn_lessons": "📚 Chọn bài học",
    "btn_progress": "📊 Xem tiến độ",
    "btn_continue": "▶️ Học tiếp: {title}",
    "btn_first": "▶️ Bắt đầu học: {title}",
    "btn_assigned": "📌 Bài được giao: {title}",
    "btn_open_next": "▶️ Học bài tiếp: {title}",
    "btn_skip": "Bỏ qua, học tiếp",
    "btn_show_again": "Xem lại hướng dẫn",
    "btn_back_to_lesson": "▶️ Quay lại bài học",
    "btn_open_required": "▶️ Học trước: {title}",
    "btn_all_tracks": "📚 Các chủ đề khác",
    "btn_yes": "Có",
    "btn_no": "Không",
    # first contact and menus
    "welcome": (
        "Chào {b}! Cháu là Học vụ số, trợ lý giúp {b} học dùng điện thoại: Zalo, VNeID, dịch vụ công, "
        "tránh lừa đảo.\nMỗi bài có vài bước ngắn. {b} bấm nút, hoặc gõ số (1, 2…) để trả lời.\n"
        "Cần người giúp, {b} gõ «giúp». Muốn nghe lại, gõ «nhắc lại». Đọc chưa kịp, gõ «chậm lại»."
    ),
    "welcome_back": "Chào {b} quay lại! Mình học tiếp bài «{title}» nhé.",
    # Volunteers and organizers are young union members and officials: addressed as «bạn».
    "welcome_volunteer": (
        "Chào bạn! Bạn là tình nguyện viên của {unit} trong Học vụ số. Bạn tạo lớp (/taolop), giao bài "
        "(/giaobai), theo dõi học viên (/hocvien) và trả lời khi họ cần giúp (/yeucau). Bạn cũng học "
        "được như học viên: gõ «menu»."
    ),
    "welcome_organizer": (
        "Chào bạn! Bạn là cán bộ phụ trách {unit} trong Học vụ số. Bạn mời tình nguyện viên (/moi), "
        "xem lời mời (/loimoi), tình nguyện viên (/tnv), thống kê (/thongke) và báo cáo (/baocao). "
        "Việc của tình nguyện viên ở /tnvmenu."
    ),
    "whole_campaign": "toàn chiến dịch",
    "menu": "{b} muốn làm gì ạ? Bấm một nút, hoặc gõ số.",
    "tracks": "Các chủ đề học. {b} chọn một chủ đề:",
    "track": "Chủ đề «{title}» có {count} bài.\n✅ đã xong · ▶️ đang học · 🔒 cần học bài trước",
    "track_empty": "Chủ đề «{title}» chưa có bài nào. {b} chọn chủ đề khác nhé.",
    "no_lessons": "Hiện chưa có bài học nào. {b} quay lại sau nhé.",
    "lesson_unknown": "Cháu không tìm thấy bài học này. {b} chọn bài trong danh sách nhé.",
    "lesson_locked": "Bài «{title}» cần học trước bài «{required}». {b} học bài đó trước nhé.",
    "lesson_start": "📖 Bài: {title}\n{steps} bước, khoảng {minutes} phút.",
    "lesson_restart": "{b} đã học xong bài này. Mình học lại từ đầu nhé.",
    "lesson_changed": "Bài học vừa được cập nhật. Mình tiếp tục từ bước {number} nhé.",
    "lesson_removed": "Bài «{lesson}» không còn nữa. {b} chọn bài khác nhé.",
    "no_current": "{b} chưa học dở bài nào. {b} chọn một bài nhé.",
    # steps
    "step_header": "Bước {number}/{total}",
    "quiz_right": "✅ Đúng rồi! {explain}",
    "quiz_wrong_retry": "❌ Chưa đúng. {explain}\n{b} thử chọn lại nhé.",
    "quiz_wrong_final": "❌ Chưa đúng. {explain}\nĐáp án đúng là: «{answer}». {correct_explain}",
    "practice_notyet": (
        "Không sao ạ, ai mới học cũng vậy. {b} có thể xem lại hướng dẫn, nhờ người giúp, hoặc bỏ qua bước này "
        "và làm sau."
    ),
    "first_step": "Đây là bước đầu tiên của bài rồi ạ.",
    "slow_on": "🐢 Dạ, từ giờ cháu chia mỗi bước thành từng đoạn ngắn. Muốn như cũ, {b} gõ «bình thường».",
    "slow_off": "Dạ, cháu gửi mỗi bước gọn trong một tin như cũ. Đọc chưa kịp, {b} gõ «chậm lại».",
    "complete": "🎉 Chúc mừng {b} đã học xong bài «{title}»!",
    "complete_score": "{b} trả lời đúng {correct}/{total} câu hỏi.",
    "complete_next": "Bài tiếp theo nên học: «{title}».",
    "complete_all": "{b} đã học xong tất cả các bài. Giỏi quá ạ!",
    # progress
    "progress": "📊 {b} đã học xong {done}/{total} bài.",
    "progress_current": "Đang học: «{title}», bước {number}/{steps}.",
    "progress_track": "• {title}: {done}/{count}",
    # help
    "help_sent": "🙋 Cháu đã báo cho người giúp. Họ sẽ nhắn lại {b} sớm. Trong lúc chờ, {b} cứ học tiếp nhé.",
    "help_already": "Cháu đã báo cho người giúp rồi ạ. Họ sẽ nhắn lại {b} sớm.",
    "help_recorded": (
        "🙋 Cháu đã ghi lại câu hỏi của {b}. Khi có tình nguyện viên, họ sẽ nhắn lại. Trong lúc chờ, {b} cứ học tiếp nhé."
    ),
    # misunderstandings
    "unknown_text": "Cháu chưa hiểu ý {b}. {b} bấm một nút bên dưới, hoặc gõ số (ví dụ: 1).",
    "unknown_text_no_choices": "Cháu chưa hiểu ý {b}. {b} gõ «menu» để xem các việc có thể làm nhé.",
    # Volunteers and organizers (youth-union members) are addressed as «bạn», as in their own screens.
    "unknown_text_staff": "Chưa rõ ý bạn. Bạn bấm một nút bên dưới, hoặc gõ số (ví dụ: 1).",
    "unknown_command": "Cháu chưa biết lệnh này. {b} dùng các nút bên dưới, hoặc gõ «menu».",
    "media": "Cháu chỉ đọc được chữ thôi ạ. {b} bấm một nút bên dưới, hoặc gõ số nhé.",
    "stale_button": "Nút này đã cũ rồi ạ. {b} dùng tin nhắn mới nhất bên dưới nhé.",
    "bad_button": "Nút này không dùng được nữa. {b} dùng tin nhắn mới nhất nhé.",
    "long_text": "Tin nhắn dài quá, cháu chưa đọc được. {b} bấm một nút bên dưới, hoặc gõ số nhé.",
    "error": "Xin lỗi {b}, cháu đang gặp trục trặc. {b} thử lại sau ít phút nhé.",
    "too_fast": "⏳ {b} nhắn nhanh quá, cháu đọc chưa kịp. {b} đợi vài giây rồi nhắn tiếp nhé.",
    "deep_link_unknown": "Mã này không đúng hoặc đã hết hạn. {b} nhờ tình nguyện viên gửi lại nhé.",
}


def class_title(name: str) -> str:
    """«Lớp Zalo thôn 3» for a class named «Zalo thôn 3», and not «Lớp Lớp …» for one whose name
    already says it is a class."""
    first = name.split(maxsplit=1)[0] if name.split() else ""
    return name if first.lower() in ("lớp", "lop") else f"Lớp {name}"


class Words:
    """Texts in the configured register."""

    def __init__(self, address: str = "Bác"):
        self.address = address

    def __call__(self, key: str, **values: Any) -> str:
        return TEXTS[key].format(b=self.address, **values)

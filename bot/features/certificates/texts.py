"""What the certificates feature says to learners ({b}: the configured form of address)."""

from __future__ import annotations

T = {
    "offer": (
        "🎓 {b} đã học xong tất cả các bài của chủ đề «{track}»! {b} được nhận giấy chứng nhận. "
        "Tên in trên giấy: «{name}»."
    ),
    "offer_no_name": (
        "🎓 {b} đã học xong tất cả các bài của chủ đề «{track}»! {b} được nhận giấy chứng nhận."
    ),
    "ask_name": "{b} gõ họ tên để in lên giấy chứng nhận (ví dụ: Nguyễn Thị Lan).",
    "bad_name": "Tên chỉ gồm chữ và dấu cách, từ 2 đến 60 ký tự. {b} gõ lại nhé (ví dụ: Nguyễn Thị Lan).",
    "issued": (
        "🎓 Giấy chứng nhận của {b}: chủ đề «{track}», ngày {day}. Mã xác minh: {code}. "
        "{b} lưu hoặc in ảnh này nhé. Gõ /chungnhan để xem lại."
    ),
    "zalo": " Zalo chưa nhận ảnh từ cháu được: {b} đọc mã xác minh cho tình nguyện viên để in giấy giúp {b}.",
    "list": "🎓 Giấy chứng nhận của {b}:",
    "line": "• «{track}» · ngày {day} · mã {code}",
    "none": (
        "{b} chưa có giấy chứng nhận nào. Học xong tất cả các bài của một chủ đề, {b} sẽ nhận giấy "
        "chứng nhận ạ."
    ),
    "pick": "Bấm để cháu gửi lại ảnh giấy chứng nhận:",
    "not_done": "{b} cần học xong tất cả các bài của chủ đề này trước ạ.",
    "not_found": "Cháu không tìm thấy giấy chứng nhận này ạ.",
}

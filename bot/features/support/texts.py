"""What the support feature says (volunteers are addressed as «bạn»)."""

from __future__ import annotations

from bot.core.turn import ChoiceSpec

VMENU: ChoiceSpec = ("🧑‍🏫 Việc khác", "vmenu", True)
CANCEL: ChoiceSpec = ("✖️ Hủy", "vmenu", True)

# Button labels; the report's labels for the same ids are in bot/reports/campaign.py.
KINDS = {
    "vneid": "🪪 VNeID: cài đặt, kích hoạt",
    "dvc": "🏛 Dịch vụ công, thủ tục trực tuyến",
    "payment": "💳 Thanh toán không tiền mặt",
    "phone": "📱 Thao tác cơ bản trên điện thoại",
    "ai": "🤖 Dùng công cụ AI",
    "other": "➕ Việc khác",
}
SHORT_KIND = {
    "vneid": "VNeID",
    "dvc": "dịch vụ công",
    "payment": "thanh toán",
    "phone": "dùng điện thoại",
    "ai": "công cụ AI",
    "other": "việc khác",
}
SHORT_PLACE = {
    "session": "tại buổi học",
    "outreach": "khi ra quân",
    "center": "tại trung tâm phục vụ HCC",
    "home": "tại nhà, nơi khác",
}

T = {
    "kind": "🤝 Ghi lượt hỗ trợ người dân. Bạn đã giúp việc gì?",
    "count": ("🤝 {kind}: bao nhiêu người? Bấm số, hoặc gõ số nếu nhiều hơn (ví dụ 12). Gõ «hủy» để thôi."),
    "bad_count": "Bạn bấm hoặc gõ một con số từ 1 đến 500 nhé, hoặc «hủy».",
    "place": "🤝 {kind}, {people} người. Ở đâu?",
    "saved": "✅ Đã ghi: {people} người · {kind} · {place}.\nHôm nay bạn đã ghi {today} lượt người dân.",
    "learner": "Người được hỗ trợ là học viên nào trong bot? (Không phải học viên thì không cần chọn.)",
    "no_learners": "Không có học viên nào của bạn để gắn. Lượt hỗ trợ vẫn được ghi, không cần tên.",
    "linked": "👤 Đã gắn lượt hỗ trợ với học viên {name}.",
    "undone": "↩️ Đã xóa lượt vừa ghi: {people} người · {kind} · {place}.",
    "nothing_to_undo": "Không có lượt hỗ trợ nào bạn ghi trong 10 phút qua để hoàn tác.",
    "not_found": "Không tìm thấy, hoặc đã quá thời gian sửa lượt này.",
    "cancelled": "Dạ, chưa ghi gì.",
}

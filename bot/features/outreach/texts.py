"""What the outreach feature says (volunteers and organizers are addressed as «bạn»)."""

from __future__ import annotations

from bot.core.turn import ChoiceSpec

VMENU: ChoiceSpec = ("🧑‍🏫 Việc khác", "vmenu", True)
EVENTS: ChoiceSpec = ("📣 Các hoạt động", "events", True)
CANCEL: ChoiceSpec = ("✖️ Hủy", "events", True)
SKIP = "Bỏ qua"

KINDS = {
    "outreach": "📣 Ra quân hỗ trợ người dân",
    "center": "🏛 Trực tại trung tâm phục vụ hành chính công",
    "training": "🎓 Tập huấn ĐVTN",
}
SHORT = {"outreach": "📣 Ra quân", "center": "🏛 Trực trung tâm", "training": "🎓 Tập huấn"}

T = {
    "only_leaders": "Chỉ cán bộ Đoàn hoặc đội trưởng đội hình mới tạo được hoạt động ra quân.",
    "ask_kind": "Tạo hoạt động gì?",
    "ask_date": "Ngày nào? Bấm, hoặc gõ ngày (giờ), ví dụ 25/11 hoặc 25/11 7:30.",
    "bad_date": "Chưa đọc được ngày. Bạn gõ như 25/11 hoặc 25/11 7:30 nhé.",
    "ask_place": "Ở đâu? Ví dụ: Nhà văn hóa thôn 3, hoặc Trung tâm phục vụ hành chính công xã. Không cần thì bấm «Bỏ qua».",
    "ask_unit": "Của đơn vị nào? Chọn, hoặc gõ mã đơn vị (ví dụ {example}).",
    "unknown_unit": "Không có đơn vị «{unit}» trong phạm vi của bạn. Bạn chọn hoặc gõ lại nhé.",
    "ask_team": "Đội hình nào ra quân?",
    "ask_partners": "Tổ chức nào phối hợp? Bấm để chọn (bấm lại để bỏ), rồi bấm «Xong».",
    "created": "✅ Đã tạo: {what}.\nĐVTN điểm danh: quét mã QR này{link}, hoặc gõ mã: {code}",
    "event": "{what}\n{unit}{team}{partners}\nĐVTN có mặt: {checkins} · người dân được hỗ trợ: {people}",
    "event_code": "\nMã điểm danh ĐVTN: {code}{link}",
    "list": "📣 Hoạt động ra quân, trực và tập huấn (hôm qua đến 2 tuần tới). Chọn để xem, điểm danh:",
    "none": "Chưa có hoạt động ra quân, trực hay tập huấn nào sắp tới.",
    "checked_in": "✅ Bạn đã điểm danh: {what}. Giúp được ai, bạn bấm «Ghi lượt hỗ trợ» nhé.",
    "already": "Bạn đã điểm danh hoạt động này rồi.",
    "not_today": "Chỉ điểm danh được trong ngày diễn ra ({day}).",
    "out_of_reach": "Hoạt động này thuộc {unit}, ngoài đơn vị và đội hình của bạn.",
    "for_volunteers": "Mã này để tình nguyện viên điểm danh khi ra quân.",
    "not_found": "Không tìm thấy, hoặc không thuộc phạm vi của bạn.",
}

"""What the teams feature says. Volunteers and organizers are addressed as «bạn»."""

from __future__ import annotations

from bot.core.turn import ChoiceSpec

TEAMS: ChoiceSpec = ("🚩 Các đội hình", "teams", True)
VMENU: ChoiceSpec = ("🧑‍🏫 Việc khác", "vmenu", True)
OMENU: ChoiceSpec = ("📋 Việc của cán bộ", "omenu", True)
CANCEL: ChoiceSpec = ("✖️ Hủy", "teams", True)

T = {
    "none_in_scope": "Chưa có đội hình nào trong phạm vi của bạn. Bấm «Tạo đội hình» để lập đội đầu tiên.",
    "list": "🚩 Đội hình ({count}):",
    "list_line": "#{id} {name} · {unit} · đội trưởng: {leader} · {members} ĐVTN",
    "pick": "Chọn một đội hình để xem, thêm ĐVTN hoặc chọn đội trưởng:",
    "no_team": (
        "Bạn chưa ở đội hình nào. Nhờ đội trưởng hoặc cán bộ Đoàn gửi mã đội hình, rồi quét mã QR "
        "hoặc gõ mã (ví dụ /ma ABC123)."
    ),
    "team": "🚩 Đội hình «{name}» — {unit}\nĐội trưởng: {leader}\nĐVTN ({count}): {members}",
    "team_code": "\nMã vào đội: {code}{link}",
    "ask_name": "Tên đội hình là gì? Ví dụ: Đội hình Bình dân học vụ số xã An Phú.",
    "bad_name": "Tên đội hình cần từ 3 đến 120 ký tự. Bạn gõ lại nhé.",
    "ask_unit": "Đội hình thuộc đơn vị nào? Chọn, hoặc gõ mã đơn vị (ví dụ {example}).",
    "unknown_unit": "Không có đơn vị «{unit}» trong phạm vi của bạn. Bạn chọn hoặc gõ lại nhé.",
    "created": (
        "✅ Đã lập đội hình «{name}» ({unit}). ĐVTN vào đội: quét mã QR này{link}, hoặc gõ mã: {code}"
    ),
    "ask_leader": "Ai là đội trưởng? Chọn một ĐVTN của đơn vị:",
    "no_candidates": "Chưa có ĐVTN nào của {unit} để chọn. Mời ĐVTN bằng /moi, rồi thêm vào đội sau.",
    "leader_set": "👑 {name} là đội trưởng đội hình «{team}».",
    "leader_told": "👑 Bạn là đội trưởng đội hình «{team}». Gõ /doihinh để xem đội và mã mời.",
    "add_pick": "Thêm ĐVTN nào vào đội hình «{team}»?",
    "added": "✅ Đã thêm {name} vào đội hình «{team}».",
    "added_told": "🚩 Bạn được thêm vào đội hình «{team}» ({unit}). Gõ /doihinh để xem đội.",
    "joined": "🎉 Bạn đã vào đội hình «{team}» ({unit}). Đội trưởng: {leader}.",
    "joined_leader": "👋 {name} đã vào đội hình «{team}».",
    "already": "Bạn đã ở đội hình «{team}» rồi.",
    "move_ask": "Bạn đang ở đội hình «{current}». Mỗi ĐVTN ở một đội hình. Chuyển sang «{team}»?",
    "stay": "Dạ, bạn vẫn ở đội hình «{team}».",
    "for_volunteers": (
        "Mã này để tình nguyện viên vào đội hình. Bạn cần lời mời tình nguyện viên của Đoàn trước, "
        "rồi quét lại mã đội hình."
    ),
    "organizer_code": "Bạn là cán bộ: thêm ĐVTN vào đội bằng /doihinh.",
    "out_of_reach": "Đội hình «{team}» thuộc {unit}, ngoài đơn vị của bạn. Bạn hỏi cán bộ Đoàn nhé.",
    "not_found": "Không tìm thấy, hoặc không thuộc phạm vi của bạn.",
    "usage_add": "Cách dùng: /themdoihinh <số đội> <số ĐVTN>, ví dụ /themdoihinh 3 12. Xem số ở /doihinh.",
}

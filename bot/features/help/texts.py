"""What the help feature says to volunteers (addressed as "bạn") and learners."""

from __future__ import annotations

from bot.core.replies import Button
from bot.core.turn import ChoiceSpec

CANCEL: ChoiceSpec = ("✖️ Hủy", "answer-cancel", True)
OTHER_TASKS: ChoiceSpec = ("🧑‍🏫 Việc khác", "vmenu", True)

T = {
    "no_requests": "Không có yêu cầu giúp đỡ nào đang chờ. 👍",
    "requests": "🙋 Yêu cầu giúp đỡ đang chờ ({count}). Chọn một yêu cầu để xem và trả lời:",
    "request": "🙋 Yêu cầu #{id} của {learner}{status}, {ago}.\n{context}",
    "answered_mark": " (đã trả lời)",
    "answer_prompt": (
        "✍️ Gõ câu trả lời cho {learner} (yêu cầu #{id}). Tin nhắn của bạn sẽ được chuyển nguyên văn; "
        "bạn xem lại một lần trước khi gửi."
    ),
    "answer_prompt_direct": (
        "✍️ Gõ câu trả lời cho {learner} (yêu cầu #{id}). Tin nhắn tiếp theo của bạn sẽ được gửi ngay, nguyên văn."
    ),
    "answer_preview": "Bạn sẽ gửi cho {learner} (yêu cầu #{id}):\n«{text}»\n\n(Không cần xem lại trước khi gửi: /xemtruoc tat)",
    "answer_sent": "✅ Đã gửi câu trả lời cho {learner}. Khi xong việc, bấm «Đã giải quyết».",
    "answer_dropped": "Đã hủy, câu trả lời chưa được gửi.",
    "answer_to_learner": "💬 Tình nguyện viên {volunteer} trả lời {b}:\n{text}",
    "resolved": "✅ Đã đánh dấu yêu cầu #{id} là đã giải quyết.",
    "resolved_learner": "✅ Tình nguyện viên {volunteer} đã giải quyết câu hỏi của {b}. {b} cứ học tiếp nhé!",
    "not_found": "Không tìm thấy, hoặc bạn không phụ trách việc này.",
    "usage_answer": "Cách dùng: /traloi <số yêu cầu> <câu trả lời>",
    "usage_resolve": "Cách dùng: /xong <số yêu cầu>",
    "preview_on": "Từ nay bạn xem lại câu trả lời một lần trước khi gửi cho học viên.",
    "preview_off": "Từ nay câu trả lời của bạn được gửi ngay, không hỏi lại. Bật lại: /xemtruoc bat",
    "usage_preview": "Cách dùng: /xemtruoc tat (gửi ngay) hoặc /xemtruoc bat (xem lại trước khi gửi).",
    "escalated": "⚠️ Yêu cầu giúp đỡ #{id} của {learner} chưa ai trả lời sau {minutes} phút.\n{context}",
    "request_for_helper": "🙋 {learner} cần giúp (yêu cầu #{id}).\n{context}",
    "request_for_organizer": (
        "🙋 {learner} cần giúp (yêu cầu #{id}). Chưa có tình nguyện viên nào phụ trách học viên này, "
        "nên yêu cầu đến với bạn.\n{context}"
    ),
    # to learners
    "help_nobody": (
        "🙋 Cháu đã ghi lại câu hỏi của {b}, nhưng lúc này chưa có tình nguyện viên hay cán bộ nào nhận được. "
        "{b} nhờ con cháu hoặc người quen giúp trong lúc chờ nhé."
    ),
    "help_nobody_hotline": (
        "🙋 Cháu đã ghi lại câu hỏi của {b}, nhưng lúc này chưa có tình nguyện viên hay cán bộ nào nhận được. "
        "{b} gọi tổng đài {hotline} để được giúp ngay nhé."
    ),
}


def help_buttons(request_id: int) -> tuple[Button, ...]:
    """Under a help request sent to a helper: answer it, or mark it resolved. (Buttons outside the
    helper's current screen: the console numbers them, Zalo names the command to type instead.)"""
    return (Button("✍️ Trả lời", f"h.r{request_id}"), Button("✅ Đã giải quyết", f"h.d{request_id}"))

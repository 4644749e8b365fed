"""What the help feature says to volunteers (addressed as "bạn") and learners."""

from __future__ import annotations

from bot.core.replies import Button
from bot.core.turn import ChoiceSpec

CANCEL: ChoiceSpec = ("✖️ Hủy", "vmenu", True)

T = {
    "no_requests": "Không có yêu cầu giúp đỡ nào đang chờ. 👍",
    "requests": "🙋 Yêu cầu giúp đỡ đang chờ ({count}):",
    "answer_prompt": "✍️ Gõ câu trả lời cho {learner} (yêu cầu #{id}). Tin nhắn của bạn sẽ được chuyển nguyên văn.",
    "answer_sent": "✅ Đã gửi câu trả lời cho {learner}.",
    "answer_to_learner": "💬 Tình nguyện viên {volunteer} trả lời {b}:\n{text}",
    "resolved": "✅ Đã đánh dấu yêu cầu #{id} là đã giải quyết.",
    "resolved_learner": "✅ Tình nguyện viên {volunteer} đã giải quyết câu hỏi của {b}. {b} cứ học tiếp nhé!",
    "not_found": "Không tìm thấy, hoặc bạn không phụ trách việc này.",
    "usage_answer": "Cách dùng: /traloi <số yêu cầu> <câu trả lời>",
    "usage_resolve": "Cách dùng: /xong <số yêu cầu>",
    "escalated": "⚠️ Yêu cầu giúp đỡ #{id} của {learner} chưa ai trả lời sau {minutes} phút.\n{context}",
}


def help_buttons(request_id: int) -> tuple[Button, ...]:
    """Under every help request shown to a helper: answer it, or mark it resolved."""
    return (Button("✍️ Trả lời", f"h.r{request_id}"), Button("✅ Đã giải quyết", f"h.d{request_id}"))

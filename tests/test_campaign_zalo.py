"""The campaign tools on Zalo (no buttons: numbered lines answered by number), through the real
adapter and its httpx client against the Zalo stand-in on 127.0.0.1: a volunteer logs support and
runs a session, a learner checks in with the typed code and gets a certificate's code in words."""

from __future__ import annotations

import pytest

from tests.conftest import make_tutor
from tests.support.campaign import setup_province
from tests.support.zalo_standin import ZaloStandIn
from tests.test_zalo import running

pytestmark = pytest.mark.dates

TNV, TU = "z-tnv", "z-tu"


async def after(zalo: ZaloStandIn, user: str, text: str, fragment: str) -> str:
    """Send `text` as `user` and wait for the first new message to them containing `fragment`."""
    mark = len(zalo.sent)
    await zalo.push_text(user, text)

    def found(s: ZaloStandIn) -> str | None:
        return next(
            (m["text"] for m in s.sent[mark:] if m["chat_id"] == user and fragment in m.get("text", "")), None
        )

    return await zalo.wait_for(found)


async def test_support_sessions_and_certificates_on_zalo(db_url: str, clock) -> None:
    tutor = await make_tutor(db_url)
    await setup_province(tutor, clock.now)
    async with tutor.db.transaction() as repo:
        await repo.grant("zalo", TNV, "volunteer", "qn-a", clock.now)
    zalo = await ZaloStandIn().start()
    try:
        async with running(tutor, zalo):
            menu = await after(zalo, TNV, "/hotro", "Bạn đã giúp việc gì?")
            assert "1. 🪪 VNeID: cài đặt, kích hoạt" in menu and "7. ✖️ Hủy" in menu
            count = await after(zalo, TNV, "2", "bao nhiêu người?")
            assert "5. 5 người" in count and "Gõ «hủy» để thôi." in count
            places = await after(zalo, TNV, "12", "Ở đâu?")  # more than five: typed
            assert "1. 🏛 Trung tâm phục vụ hành chính công" in places
            saved = await after(zalo, TNV, "1", "✅ Đã ghi")
            assert saved.startswith("✅ Đã ghi: 12 người · dịch vụ công · tại trung tâm phục vụ HCC.")

            for text, expect in (
                ("/taolop", "Tên lớp là gì?"),
                ("Lop Zalo thon 4", "Lớp học ở đâu?"),
                ("bo qua", "Lớp học lúc nào?"),
                ("bo qua", "✅ Đã tạo lớp"),
            ):
                await after(zalo, TNV, text, expect)
            await after(zalo, TNV, "/buoihoc", "🏫 Lop Zalo thon 4: 0 buổi đã học")
            started = await after(zalo, TNV, "1", "đang diễn ra")
            code = started.split("gõ mã: ")[1][:6]
            checked = await after(zalo, TU, code.lower(), "Bác đã điểm danh buổi học Lop Zalo thon 4.")
            assert "(Bác gõ số để chọn)" in checked
            roster = await after(zalo, TNV, "/buoihoc", "Đã điểm danh: 1")
            assert "2. 👥 +1 người không có điện thoại (0)" in roster

            for text, expect in (
                ("/start l-thu-nghiem", "Bước 1/4"),
                ("1", "Bước 2/4"),
                ("khong", "Bước 3/4"),
                ("xong", "Bước 4/4"),
                ("1", "3. 🎓 Nhận giấy chứng nhận"),
            ):
                await after(zalo, TU, text, expect)
            issued = await after(zalo, TU, "3", "🎓 Giấy chứng nhận của Bác")
            assert "Mã xác minh:" in issued and "Zalo chưa nhận ảnh từ cháu được" in issued
            assert "sendPhoto" not in zalo.calls
    finally:
        await zalo.stop()
        await tutor.db.close()

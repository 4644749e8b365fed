"""The campaign flow through the Telegram stand-in: invite by deep link (confirmed), a class with a
QR PNG, joining by link and by typed code, an assignment, a help request answered with buttons —
and each role's own "/" menu, set per chat when the role changes."""

from __future__ import annotations

import re

from bot.app import apply_config_organizers
from bot.core.codes import qr_png
from tests.conftest import make_tutor
from tests.support.telegram_standin import TelegramStandIn
from tests.test_telegram import start_bot

ORG, MINH, LAN, HOA = 9001, 9002, 9003, 9004


async def test_campaign_over_telegram(db_url: str) -> None:
    api = await TelegramStandIn().start()
    tutor = await make_tutor(db_url, organizers=[f"telegram:{ORG}"])
    await apply_config_organizers(tutor.db, tutor.settings)
    async with tutor.db.transaction() as repo:
        await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
        await repo.upsert_unit("hn-phuc-xa", "Phường Phúc Xá", "hn", "xa")
    channel = await start_bot(tutor, api)
    try:
        assert "taolop" not in api.menu_of(ORG)  # the default menu is the learners'
        await api.push_text(ORG, "/moi hn-phuc-xa", "Hà")
        invite = await api.wait_text(ORG, "Lời mời làm tình nguyện viên")
        assert invite["_method"] == "sendPhoto"
        # The link ends its line: nothing glued to it that an app could take as part of the address.
        link_line = next(line for line in invite["caption"].splitlines() if "https://" in line)
        assert re.fullmatch(r"https://t\.me/hocvuso_test_bot\?start=v-[\w-]+", link_line)
        link = link_line.split("start=")[1]
        # The organizer's own "/" menu was set for their chat with their first reply.
        assert set(api.menu_of(ORG)[:7]) == {"canbo", "moi", "loimoi", "tnv", "chuyen", "thongke", "baocao"}
        assert "taolop" in api.menu_of(ORG) and "hoc" in api.menu_of(ORG)

        await api.push_text(MINH, f"/start {link}", "Minh")
        await api.wait_text(MINH, "bạn sẽ trở thành tình nguyện viên của Phường Phúc Xá")
        assert "taolop" not in api.menu_of(MINH)  # nothing changed before Minh agreed
        await api.press_label(MINH, "✅ Đồng ý")
        await api.wait_text(MINH, "Chào mừng bạn trở thành tình nguyện viên của Phường Phúc Xá")
        await api.wait_text(ORG, "✉️ Minh đã nhận lời mời làm tình nguyện viên của Phường Phúc Xá")
        assert api.menu_of(MINH)[:2] == ["yeucau", "taolop"]
        assert "moi" not in api.menu_of(MINH)
        for text, prompt in [
            ("/taolop", "Tên lớp là gì?"),
            ("Lớp Zalo cho người cao tuổi", "Lớp học ở đâu?"),
            ("Nhà văn hóa tổ 5", "Lớp học lúc nào?"),
        ]:
            await api.push_text(MINH, text, "Minh")
            await api.wait_text(MINH, prompt)
        await api.press_label(MINH, "Bỏ qua")
        created = await api.wait_text(MINH, "✅ Đã tạo lớp «Lớp Zalo cho người cao tuổi» (Nhà văn hóa tổ 5)")
        assert created["_method"] == "sendPhoto"
        png = api.files[created["photo"][0]["file_id"]]
        join = re.search(r"https://t\.me/hocvuso_test_bot\?start=c-[\w-]+", created["caption"]).group(0)
        short = re.search(r"gõ mã: ([A-Z0-9]{6})", created["caption"]).group(1)
        # The picture is the QR code of exactly that join link.
        assert png.startswith(b"\x89PNG") and png == qr_png(join)

        await api.push_text(LAN, f"/start {join.split('start=')[1]}", "Lan")
        await api.wait_text(LAN, "Bác đã vào lớp «Lớp Zalo cho người cao tuổi»")
        await api.push_text(HOA, short, "Hoa")
        await api.wait_text(HOA, "Bác đã vào lớp «Lớp Zalo cho người cao tuổi»")
        await api.wait_text(MINH, "👋 Hoa đã vào lớp")

        await api.push_text(MINH, f"/giaobai thu-nghiem {short}", "Minh")
        note = await api.wait_text(LAN, "📌 Tình nguyện viên Minh giao cho Bác bài «Bài thử nghiệm»")
        await api.press(
            LAN, note["message_id"], note["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        )
        await api.wait_text(LAN, "Bước 1/4")
        await api.press_label(LAN, "🙋 Hỏi người giúp")
        request = await api.wait_text(MINH, "🙋 Lan cần giúp")
        assert "Bước 1/4: Chào Bác, đây là bước một." in request["text"]
        await api.press_label(MINH, "✍️ Trả lời")
        await api.wait_text(MINH, "Gõ câu trả lời cho Lan")
        await api.push_text(MINH, "Bác bấm «Tiếp tục» là được ạ.", "Minh")
        await api.wait_text(MINH, "Bạn sẽ gửi cho Lan")
        await api.press_label(MINH, "📤 Gửi")
        answer = await api.wait_text(LAN, "💬 Tình nguyện viên Minh trả lời Bác:")
        assert answer["text"].endswith("Bác bấm «Tiếp tục» là được ạ.")
        assert "taolop" not in api.menu_of(LAN)  # learners keep the default menu
    finally:
        await channel.stop()
        await tutor.db.close()
        await api.stop()

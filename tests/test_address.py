"""The form of address is configurable (`address: Cô`): the bot's own words, the lessons and the
messages volunteers' actions send to a learner all use it; «bác sĩ» stays a doctor."""

from __future__ import annotations

from pathlib import Path

from bot.core.events import Actor
from bot.lessons import load_catalog
from tests.conftest import LESSONS, make_tutor
from tests.support.dialog import Chat
from tests.test_volunteers import code_in


async def test_a_campaign_that_says_co(sqlite_url: str, clock) -> None:
    tutor = await make_tutor(sqlite_url, address="Cô", organizers=["console:org"])
    try:
        lan = Chat(tutor, Actor("console", "lan", "Bà Lan"))
        replies = await lan.say("/start l-thu-nghiem")
        text = "\n".join(r.text for r in replies)
        assert "Chào Cô! Cháu là Học vụ số" in text  # the bot's own words
        assert "Chào Cô, đây là bước một." in text  # the lesson's «Chào Bác, …»
        assert "Bác" not in text
        # A volunteer's class: joining it and an answer to a help request speak to «Cô» too.
        org = lan.person("org", "Chị Hà")
        invite = "\n".join(r.text for r in await org.say("/moi"))
        if "/moi <mã đơn vị>" in invite:  # an organizer of the whole campaign names a unit
            async with tutor.db.transaction() as repo:
                await repo.upsert_unit("xa", "Xã A", None, "xa")
            invite = "\n".join(r.text for r in await org.say("/moi xa"))
        minh = lan.person("minh", "Minh")
        await minh.say(f"/ma {code_in(invite)}")
        await minh.say("1")  # ✅ Đồng ý
        await minh.say("/taolop")
        await minh.say("Lớp điện thoại")
        await minh.say("bo qua")
        created = await minh.say("bo qua")
        class_code = created[-1].text.rsplit(": ", 1)[-1].strip()
        joined = await lan.say(class_code)
        assert joined[0].text.startswith("🎉 Cô đã vào lớp «Lớp điện thoại»")
        await lan.say("giúp")
        request_id = minh.received()[-1].text.split("#", 1)[1].split(")", 1)[0]
        await minh.say(f"/traloi {request_id} Cô bấm nút xanh nhé")
        assert lan.received()[-1].text.startswith("💬 Tình nguyện viên Minh trả lời Cô:")
    finally:
        await tutor.db.close()


def test_lessons_say_the_configured_address_and_doctors_stay_doctors(tmp_path: Path) -> None:
    catalog = load_catalog(LESSONS, "Chú").catalog
    assert catalog.lesson("thu-nghiem").steps[0].text == "Chào Chú, đây là bước một."
    (tmp_path / "tracks.yaml").write_text("tracks:\n  - {id: t, title: T, order: 1}\n", encoding="utf-8")
    (tmp_path / "kham.yaml").write_text(
        "id: kham\ntitle: Đi khám\ntrack: t\norder: 1\nsteps:\n"
        "  - id: a\n    say: Khi gặp bác sĩ, Bác đưa thẻ căn cước.\n"
        "  - id: b\n    say: Bác sĩ sẽ hỏi bác vài câu.\n",
        encoding="utf-8",
    )
    result = load_catalog(tmp_path, "Cô")
    assert result.catalog.lesson("kham").steps[0].text == "Khi gặp bác sĩ, Cô đưa thẻ căn cước."
    warnings = [w.message for w in result.warnings]
    assert any("«Bác sĩ» at the start of a sentence" in w for w in warnings)
    assert any("lower-case «bác»" in w for w in warnings)

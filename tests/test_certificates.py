"""Certificates: offered when a learner completes every lesson of a track (not before), issued once
with the name they confirmed or corrected, resent from /chungnhan, verified by
`hocvuso certificate verify CODE`; the picture has the Vietnamese text, stays small and legible."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.core.events import Actor
from bot.features.certificates.picture import CertificateText, render
from bot.store.models import Certificate, User
from tests.conftest import LESSONS, make_tutor
from tests.support.campaign import press
from tests.support.dialog import Chat
from tests.support.proc import ROOT, hocvuso_env

pytestmark = pytest.mark.dates  # the issue date is printed: the frozen clock

TRACK = """tracks:
  - {id: hai-bai, title: Điện thoại thông minh, order: 1}
"""
LESSON = """id: {id}
title: {title}
track: hai-bai
order: {order}
minutes: 3
steps:
  - id: mot
    say: Bác đọc bước này.
  - id: hai
    say: Bác đã xong bài.
"""


@pytest.fixture
def two_lessons(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    (folder / "hai-bai").mkdir(parents=True)
    (folder / "tracks.yaml").write_text(TRACK, encoding="utf-8")
    for order, (lesson_id, title) in enumerate((("bai-a", "Bài A"), ("bai-b", "Bài B")), start=1):
        text = LESSON.format(id=lesson_id, title=title, order=order)
        (folder / "hai-bai" / f"{lesson_id}.yaml").write_text(text, encoding="utf-8")
    return folder


async def finish(chat: Chat, lesson: str) -> str:
    for line in (f"/start l-{lesson}", "1"):
        await chat.say(line)
    return (await chat.say("1"))[-1].text


async def test_offered_only_when_the_whole_track_is_done(db_url: str, clock, two_lessons: Path) -> None:
    tutor = await make_tutor(db_url, two_lessons)
    try:
        lan = Chat(tutor, Actor("console", "lan", "Lan"))
        text = await finish(lan, "bai-a")
        assert text.startswith("🎉 Chúc mừng Bác đã học xong bài «Bài A»!") and "🎓" not in text
        replies = await lan.say("/chungnhan")
        assert "Bác chưa có giấy chứng nhận nào" in replies[0].text
        text = await finish(lan, "bai-b")
        assert "🎓 Bác đã học xong tất cả các bài của chủ đề «Điện thoại thông minh»!" in text
        assert "Tên in trên giấy: «Lan»." in text
        # The name is corrected first: letters only (no number can ride on it), 2–60 characters.
        await press(lan, "✏️ Sửa tên trên giấy")
        for bad in ("Lan 123", "L", "x" * 61, "=HYPERLINK(1)"):
            replies = await lan.say(bad)
            assert replies[0].text.startswith("Tên chỉ gồm chữ và dấu cách"), bad
        replies = await lan.say("  Nguyễn   Thị Lan ")
        assert "Tên in trên giấy: «Nguyễn Thị Lan»." in replies[0].text
        replies = await press(lan, "🎓 Nhận giấy chứng nhận")
        certificate = replies[0]
        assert certificate.text.startswith(
            "🎓 Giấy chứng nhận của Bác: chủ đề «Điện thoại thông minh», ngày "
        )
        code = re.search(r"Mã xác minh: ([A-Z0-9]{5}-[A-Z0-9]{5})", certificate.text).group(1)
        png = certificate.image_bytes
        assert png.startswith(b"\x89PNG") and len(png) <= 300_000
        assert Image.open(io.BytesIO(png)).size == (1400, 990)
        # Once per track: asking again resends the same certificate.
        replies = await lan.say("/chungnhan")
        assert f"• «Điện thoại thông minh» · ngày {clock.local_now:%d/%m/%Y} · mã {code}" in replies[0].text
        replies = await press(lan, "🎓 Gửi lại: Điện thoại thông minh")
        assert code in replies[0].text and replies[0].image_bytes == png
        async with tutor.db.reader() as repo:
            rows = (await repo.session.execute(select(Certificate))).scalars().all()
            user = await repo.user_by_external("console", "lan")
        assert [(c.name, c.track_id, c.code) for c in rows] == [
            ("Nguyễn Thị Lan", "hai-bai", code.replace("-", ""))
        ]
        assert user.display_name == "Nguyễn Thị Lan"  # the name chosen is the name volunteers see
    finally:
        await tutor.db.close()


async def test_a_forged_button_cannot_make_a_certificate(sqlite_tutor, clock) -> None:
    tutor = sqlite_tutor
    hoa = Chat(tutor, Actor("console", "hoa", "Hoa"))
    await hoa.say("/start l-thu-nghiem")  # started, not finished
    async with tutor.db.transaction() as repo:
        user = await repo.user_by_external("console", "hoa")
        seq = user.state["seq"] + 1
        user.state = {**user.state, "seq": seq, "choices": [["x", "cert-make:co-ban", False]]}
    replies = await hoa.say("1")
    assert "Bác cần học xong tất cả các bài của chủ đề này trước" in replies[0].text
    async with tutor.db.reader() as repo:
        assert (await repo.session.execute(select(Certificate))).first() is None


async def test_on_zalo_the_code_comes_in_words(sqlite_tutor, clock) -> None:
    tu = Chat(sqlite_tutor, Actor("zalo", "z-tu", "Tú"))
    for line in ("/start l-thu-nghiem", "1", "khong", "xong", "1"):
        await tu.say(line)
    replies = await tu.say("3")  # «🎓 Nhận giấy chứng nhận», after «Học bài tiếp» and «Chọn bài học»
    assert "Mã xác minh:" in replies[0].text
    assert "Zalo chưa nhận ảnh từ cháu được: Bác đọc mã xác minh cho tình nguyện viên" in replies[0].text
    assert len(replies[0].text) <= 500


def verify(db_url: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "certificate", "verify", code],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(db_url, LESSONS),
        cwd=ROOT,
        timeout=60,
    )


async def test_verify_says_whether_a_code_is_genuine(db_url: str, clock) -> None:
    tutor = await make_tutor(db_url)
    try:
        async with tutor.db.transaction() as repo:
            await repo.upsert_unit("qn-a", "Xã A", None, "xa")
            await repo.grant("console", "lan", "learner", "qn-a", clock.now)
        lan = Chat(tutor, Actor("console", "lan", "Nguyễn Thị Lan"))
        for line in ("/start l-thu-nghiem", "1", "khong", "xong", "1"):
            await lan.say(line)
        replies = await press(lan, "🎓 Nhận giấy chứng nhận")
        code = re.search(r"Mã xác minh: ([A-Z0-9-]{11})", replies[0].text).group(1)
    finally:
        await tutor.db.close()
    day = f"{clock.local_now:%d/%m/%Y}"
    for typed in (code, code.replace("-", "").lower()):
        proc = await asyncio.to_thread(verify, db_url, typed)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [
            f"GENUINE: certificate {code}",
            "  name:   Nguyễn Thị Lan",
            "  track:  Cơ bản",
            f"  issued: {day}",
            "  unit:   Xã A",
        ]
    proc = await asyncio.to_thread(verify, db_url, "ZZZZZ-99999")
    assert (
        proc.returncode == 1 and proc.stdout.strip() == "NOT FOUND: no certificate has the code ZZZZZ-99999"
    )
    proc = await asyncio.to_thread(verify, db_url, "'; DROP TABLE certificates; --")
    assert proc.returncode == 1 and "DROPTABLEcertificates--" in proc.stdout

    # A learner who deletes their data: the code is still genuine (and counted), the name is gone.
    tutor = await make_tutor(db_url)
    try:
        lan = Chat(tutor, Actor("console", "lan", "Nguyễn Thị Lan"))
        await lan.say("/xoadulieu")
        await press(lan, "🗑 Có, xóa dữ liệu")
        async with tutor.db.reader() as repo:
            erased = (
                await repo.session.execute(select(User).where(User.deleted_at.is_not(None)))
            ).scalar_one()
        assert erased.display_name is None
    finally:
        await tutor.db.close()
    proc = await asyncio.to_thread(verify, db_url, code)
    assert proc.returncode == 0 and "  name:   (name erased at the learner's request)" in proc.stdout


def test_the_picture_draws_vietnamese_and_fits_long_names() -> None:
    text = CertificateText(
        campaign="Bình dân học vụ số",
        name="Tôn Nữ Thị Phương Quỳnh Hoàng Thị Ngọc Diễm Nguyễn Lê",
        track="Dịch vụ công trực tuyến và thanh toán không dùng tiền mặt",
        unit="Phường Nguyễn Thái Bình, Thành phố Hồ Chí Minh",
        day=date(2026, 11, 4),
        code="ABCDE23456",
    )
    png = render(text)
    assert len(png) <= 300_000
    image = Image.open(io.BytesIO(png)).convert("RGB")
    # Text never runs into the border: the outer 60 pixels on each side are paper and frame only.
    inner = image.crop((60, 60, 1340, 930))
    border = [image.getpixel((x, 500)) for x in range(0, 60)] + [
        image.getpixel((x, 500)) for x in range(1340, 1400)
    ]
    assert len(set(border)) <= 6
    assert inner.getbbox() is not None

"""Issue 14 item 1: the console is a real channel for every role. Messages for another console user
wait for them (or appear at once in their open chat), buttons outside the screen work by number,
pictures and files are saved and the line says where."""

from __future__ import annotations

import asyncio
import io
import os
import re
from pathlib import Path

import pytest

from bot.channels.console import Console
from tests.test_volunteers import setup_units

pytestmark = pytest.mark.dates  # invitations expire: the frozen clock


async def session(tutor, user: str, lines: list[str], files: Path) -> str:
    """One `hocvuso chat --user USER` session with piped input; what it printed."""
    out = io.StringIO()
    await Console(tutor, user, out, files).run(io.StringIO("".join(f"{line}\n" for line in lines)))
    return out.getvalue()


def typed_code(text: str) -> str:
    return re.findall(r"gõ mã: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6})\b", text)[-1]


async def until(predicate, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_three_people_on_the_console(tutor, clock, tmp_path: Path) -> None:
    await setup_units(tutor, clock.now)
    files = tmp_path / "hocvuso-files"
    ha = await session(tutor, "org-hn", ["/moi hn-phuc-xa"], files)
    saved = re.search(r"\[Hình: mã QR, đã lưu ở (\S+\.png)\]", ha)
    assert saved and Path(saved.group(1)).read_bytes().startswith(b"\x89PNG")
    minh = await session(
        tutor, "minh", [typed_code(ha), "1", "/taolop", "Lớp Zalo thôn 3", "bo qua", "bo qua"], files
    )
    assert "🎉 Chào mừng bạn trở thành tình nguyện viên của Phường Phúc Xá!" in minh
    lan = await session(tutor, "lan", [typed_code(minh), "/start l-thu-nghiem", "giúp"], files)
    assert "🙋 Cháu đã báo cho người giúp." in lan

    # Minh's next session: what came meanwhile is printed, the help request last, and its
    # «✍️ Trả lời» — a button outside the screen — is pressed by typing its number.
    minh = await session(tutor, "minh", ["1", "Bác bấm Tiếp tục ạ", "1"], files)
    waiting = minh.split("📬 Tin nhắn mới:", 1)[1]
    assert "👋 lan đã vào lớp «Lớp Zalo thôn 3»." in waiting
    assert "🙋 lan cần giúp (yêu cầu #1).\nBài: Bài thử nghiệm" in waiting
    assert "  1. ✍️ Trả lời\n  2. ✅ Đã giải quyết" in waiting
    assert "> 1\n✍️ Gõ câu trả lời cho lan (yêu cầu #1)." in minh
    assert "> 1\n✅ Đã gửi câu trả lời cho lan." in minh
    assert "Tên lớp là gì?" not in minh.split("📬", 1)[1]  # «1» did not start «Tạo lớp»

    # Bà Lan gets the answer when she opens the chat again; the organizer, the news of Minh.
    lan = await session(tutor, "lan", [], files)
    assert "📬 Tin nhắn mới:\n\n💬 Tình nguyện viên minh trả lời Bác:\nBác bấm Tiếp tục ạ" in lan
    ha = await session(tutor, "org-hn", [], files)
    assert "✉️ minh đã nhận lời mời làm tình nguyện viên của Phường Phúc Xá" in ha
    # Each message is shown once.
    assert "📬" not in await session(tutor, "lan", [], files)


async def test_an_open_chat_shows_messages_as_they_come(tutor, clock, tmp_path: Path) -> None:
    await setup_units(tutor, clock.now)
    async with tutor.db.transaction() as repo:
        await repo.grant("console", "minh", "volunteer", "hn-phuc-xa", clock.now)
        await repo.grant("console", "lan", "learner", "hn-phuc-xa", clock.now)
    read, write = os.pipe()
    out = io.StringIO()
    with os.fdopen(read, encoding="utf-8") as lines:
        with os.fdopen(write, "w", encoding="utf-8") as typing:
            minh = asyncio.create_task(Console(tutor, "minh", out, tmp_path).run(lines))
            await until(lambda: "Việc của tình nguyện viên" in out.getvalue())
            await session(tutor, "lan", ["/start l-thu-nghiem", "giúp"], tmp_path)
            await until(lambda: "🙋 lan cần giúp" in out.getvalue())  # no input needed to see it
            typing.write("1\n")
            typing.flush()
            await until(lambda: "✍️ Gõ câu trả lời cho lan" in out.getvalue())
        await asyncio.wait_for(minh, 10)  # end of input closes the chat


async def test_the_excel_report_is_saved_where_the_line_says(tutor, clock, tmp_path: Path) -> None:
    await setup_units(tutor, clock.now)
    files = tmp_path / "saved"
    out = await session(tutor, "org-hn", ["/baocao"], files)
    saved = re.search(r"\[Tệp: (bao-cao-hn-[\d-]+\.xlsx), đã lưu ở (\S+)\]", out)
    assert saved, out
    path = Path(saved.group(2))
    assert path.parent == files and path.name == saved.group(1)
    assert path.read_bytes().startswith(b"PK")  # an .xlsx is a zip

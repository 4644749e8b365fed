"""The README's three-person walk-through on the console, run from the README's own text: the block is
taken out of README.md and run with bash, as a newcomer would paste it, with `hocvuso` on the PATH."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.proc import ROOT

HEADING = "### Try every role on the console"


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(HEADING) :]
    match = re.search(r"^```sh\n(.*?)^```$", section, re.S | re.M)
    assert match, "the walk-through's ```sh block is missing from README.md"
    return match.group(1)


def test_the_readme_walkthrough_works_as_written(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "hocvuso"  # this checkout's hocvuso, whatever is installed elsewhere
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bot "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOCVUSO_")}
    env.update(
        PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        TMPDIR=str(tmp_path),  # where the block's `mktemp -d` folder goes
        PYTHONUNBUFFERED="1",
        LC_ALL="C.UTF-8",
    )
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr + out[-2000:]
    assert "Traceback" not in proc.stderr + out
    steps = [
        "OK: 3 units imported",
        "OK: console:Ha is now organizer of hn",
        "Chào bạn! Bạn là cán bộ phụ trách Hà Nội",
        "✉️ Lời mời làm tình nguyện viên của Phường Phúc Xá (dùng được 20 lần",
        "✉️ Lời mời của Ha: bạn sẽ trở thành tình nguyện viên của Phường Phúc Xá.",
        "🎉 Chào mừng bạn trở thành tình nguyện viên của Phường Phúc Xá!",
        "✅ Đã tạo lớp «Lớp Zalo thôn 3» (Nhà văn hóa thôn 3).",
        "🎉 Bác đã vào lớp «Lớp Zalo thôn 3» (Nhà văn hóa thôn 3). Tình nguyện viên Minh sẽ giúp Bác học.",
        "📖 Bài: ",
        "🙋 Cháu đã báo cho người giúp.",
        # Minh's second session: what waited for him, then his answer, sent after one look.
        "📬 Tin nhắn mới:\n\n👋 Lan đã vào lớp «Lớp Zalo thôn 3».\n\n🙋 Lan cần giúp (yêu cầu #1).",
        "  1. ✍️ Trả lời\n  2. ✅ Đã giải quyết",
        "> 1\n✍️ Gõ câu trả lời cho Lan (yêu cầu #1).",
        "Bạn sẽ gửi cho Lan (yêu cầu #1):\n«Bác bấm «Tiếp tục» là được ạ.»",
        "> 1\n✅ Đã gửi câu trả lời cho Lan.",
        # Bà Lan's last session, then Hà's.
        "📬 Tin nhắn mới:\n\n💬 Tình nguyện viên Minh trả lời Bác:\nBác bấm «Tiếp tục» là được ạ.",
        "📬 Tin nhắn mới:\n\n✉️ Minh đã nhận lời mời làm tình nguyện viên của Phường Phúc Xá (còn 19 lượt",
    ]
    position = 0
    for step in steps:  # each in the order the walk-through produces them
        found = out.find(step, position)
        assert found >= 0, (
            f"{step!r} not printed after position {position}:\n{out[position : position + 3000]}"
        )
        position = found + len(step)
    folder = next(tmp_path.glob("tmp.*"))
    saved = sorted(path.name for path in (folder / "hocvuso-files").iterdir())
    assert [re.sub(r"[A-Z0-9]{12}|[A-Z0-9]{6}", "CODE", name) for name in saved] == [
        "qr-loi-moi-CODE.png",
        "qr-lop-CODE.png",
    ]

"""Files shipped with the bot: the fonts pictures are drawn with.

Noto Sans (regular and bold, SIL Open Font License, see fonts/OFL.txt) is vendored so that
Vietnamese diacritics come out the same on every machine, whatever fonts it has installed:
certificates are drawn with Pillow from these files and nothing else."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
FONT_BOLD = FONT_DIR / "NotoSans-Bold.ttf"

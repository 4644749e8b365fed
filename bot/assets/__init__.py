"""Files shipped with the bot: the fonts every picture and printed page is drawn with.

Noto Sans (regular and bold, SIL Open Font License, see fonts/OFL.txt) is vendored so that
Vietnamese diacritics come out the same on every machine, whatever fonts it has installed: the
lesson pictures (CairoSVG) and, later, certificates (Pillow: `ImageFont.truetype(FONT_BOLD, 40)`)
use these files and nothing else.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
FONT_BOLD = FONT_DIR / "NotoSans-Bold.ttf"
FONT_FAMILY = "Noto Sans"

_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<!-- Written by hocvuso: only the vendored fonts exist, so every family name resolves to them. -->
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
  <config><rescan><int>0</int></rescan></config>
</fontconfig>
"""


def use_vendored_fonts() -> Path:
    """Point fontconfig (which cairo asks for every font) at the vendored fonts only.

    Writes a fontconfig file naming FONT_DIR as the only font folder and sets FONTCONFIG_FILE.
    fontconfig reads that variable once, when a process first looks a font up, so this must run
    before the first text is drawn in the process (the picture renderer calls it before it imports
    CairoSVG). Returns the file written.
    """
    base = Path(tempfile.gettempdir()) / f"hocvuso-fontconfig-{os.getuid() if hasattr(os, 'getuid') else 0}"
    base.mkdir(parents=True, exist_ok=True)
    conf = base / "fonts.conf"
    text = _FONTCONFIG.format(fonts=escape(str(FONT_DIR)), cache=escape(str(base / "cache")))
    if not conf.is_file() or conf.read_text(encoding="utf-8") != text:
        tmp = base / f"fonts.conf.{os.getpid()}"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(conf)  # atomic: a parallel process never reads half a file
    os.environ["FONTCONFIG_FILE"] = str(conf)
    return conf

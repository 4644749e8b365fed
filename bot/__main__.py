"""`python -m bot` is the same as the `hocvuso` command."""

import sys

from bot.cli import main

sys.exit(main())

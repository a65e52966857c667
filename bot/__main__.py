"""``python -m bot`` is ``feedbackbot``."""

import sys

from bot.cli import main

sys.exit(main())

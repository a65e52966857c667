"""A debug log holds no resident's id, name, username, phone number or text (issue 9 item 11).

python-telegram-bot logs whole updates and API calls at DEBUG; the bot's log redactor must
catch them, whatever the level, in a real `feedbackbot run --log-level DEBUG` process.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

from bot.sandbox import BotApiEmulator
from tests.support.chat import onboard
from tests.support.process import read_until, write_config

RESIDENTS = [
    (7391946, "Quillon", "Featherstonehaugh", "quillon_q", "+34600111222"),
    (7391953, "Zebediah", "Marchbanks", "zeb_marchbanks", "+34600999888"),
]
TYPED = "Xylophane Street has a broken lamp"


async def test_debug_log_after_real_traffic_has_no_personal_data(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """If the bot runs with --log-level DEBUG while residents onboard, type text, share their
    phone number and erase their data, then the log (which does hold PTB's debug dumps of
    updates and calls) contains none of their ids, names, usernames, numbers or text."""
    config = write_config(tmp_path / "config.toml", emulator, tmp_path / "bot.sqlite3")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        "--log-level",
        "DEBUG",
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    head = "".join(await read_until(proc, "bot running"))
    rest = asyncio.create_task(proc.stderr.read())  # keep the pipe drained: DEBUG is chatty
    try:
        for user_id, first, last, username, phone in RESIDENTS:
            user = emulator.user(user_id, first, last_name=last, username=username)
            await onboard(user)
            await user.send_text(TYPED)
            await user.next_reply()
            await user.send_contact(phone)
            await user.next_reply()
            await user.send_command("forget")
            await user.wait_for("Erase your data?")
            await user.press("Yes, erase")
            await user.wait_for("nothing here links to you")
        await emulator.wait_idle()
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = head + (await rest).decode()
    assert "Processing update" in log and "Calling Bot API endpoint" in log  # DEBUG was on
    for user_id, first, last, username, phone in RESIDENTS:
        assert not re.search(rf"(?<!\d){user_id}(?!\d)", log), f"id {user_id} in the log"
        for secret in (first, last, username, phone, phone.lstrip("+")):
            assert secret not in log, f"{secret!r} in the log"
    assert "Xylophane" not in log

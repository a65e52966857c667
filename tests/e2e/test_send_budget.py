"""One send budget per bot token, replies first, replies retried until sent or useless
(issue 9 item 3), and nobody waiting behind another user's burst (issue 10 item 2).

All through the real Application and the emulator's flood control and fault injection.
"""

from __future__ import annotations

from bot.app import build_application, running
from bot.client import FeedbackBot
from bot.config import Settings
from bot.delivery import DeliveryPolicy
from bot.sandbox import BotApiEmulator, FloodLimits, SimUser
from tests.support import INVITATION, TEST_DELIVERY, BotRunner
from tests.support.chat import received
from tests.support.data import plan, seed

CONSENT = "Do you agree"
HELP = "What I can do"
# The bot's whole send budget just under the emulator's overall limit of 10/s in these tests.
PACED = DeliveryPolicy(poll_interval=0.05, rate_per_second=9)


def replies(user: SimUser, needle: str) -> int:
    return sum(needle in message.text for message in user.transcript)


async def test_join_burst_beyond_the_global_limit_answers_everyone(
    emulator: BotApiEmulator, run_bot: BotRunner
) -> None:
    """If 60 new residents send /start at once, three times faster than the bot may send
    (Telegram's overall limit, 10/s here so that any machine outruns it), then every one gets
    the consent question exactly once and Telegram never has to say 429: replies are paced by
    the bot's send budget instead of being retried a few times and dropped."""
    emulator.limits = FloodLimits(overall_per_second=10)
    users = [emulator.user(20000 + n) for n in range(60)]
    async with run_bot(policy=PACED):
        for user in users:
            await user.send_command("start")
        await emulator.wait_until(
            lambda: all(replies(u, CONSENT) for u in users),
            timeout=30,
            message="some /start got no reply",
        )
        await emulator.wait_idle(timeout=10)
    assert [replies(u, CONSENT) for u in users] == [1] * len(users)
    assert emulator.stats.rate_limited_total == 0


async def test_broadcast_yields_to_replies_within_one_budget(
    emulator: BotApiEmulator, run_bot: BotRunner, settings: Settings
) -> None:
    """If 20 residents ask for /help while an invitation to 60 residents drains (the overall
    limit is 10/s here), then every /help is answered before the broadcast moves on (it yields
    while replies wait), both together stay under the limit (no 429), and every invitation
    still arrives exactly once."""
    emulator.limits = FloodLimits(overall_per_second=10)
    invited = await seed(settings, emulator, range(21000, 21060), "north")
    askers = await seed(settings, emulator, range(21500, 21520), "riverside")
    await plan(settings, areas=("north",))
    async with run_bot(policy=PACED):
        await emulator.wait_until(lambda: sum(received(u, INVITATION) for u in invited) >= 10)
        before = sum(received(u, INVITATION) for u in invited)
        for user in askers:
            await user.send_command("help")
        await emulator.wait_until(
            lambda: all(replies(u, HELP) for u in askers), timeout=20, message="/help unanswered"
        )
        during = sum(received(u, INVITATION) for u in invited) - before
        await emulator.wait_until(lambda: all(received(u, INVITATION) for u in invited), timeout=40)
        await emulator.wait_idle(timeout=10)
    # 20 replies take ~2.2 s of the budget; the broadcast got only the slots no reply wanted
    assert during < 8, f"{during} invitations went out while /help replies were waiting"
    assert [received(u, INVITATION) for u in invited] == [1] * len(invited)
    assert emulator.stats.rate_limited_total == 0


async def test_replies_are_retried_until_sent(emulator: BotApiEmulator, run_bot: BotRunner) -> None:
    """If Telegram answers 502 four times in a row, then the /help reply is still delivered,
    once, and the button answer still stops the spinner (both within its 15 s of use)."""
    user = emulator.user(22001)
    async with run_bot():
        emulator.fail_next("sendMessage", 4, status=502)
        await user.send_command("help")
        await user.wait_for(HELP, timeout=15)
        await user.send_command("start")
        await user.wait_for(CONSENT, timeout=15)
        emulator.fail_next("answerCallbackQuery", 4, status=502)
        emulator.fail_next("editMessageText", 2, drop_connection=True)
        await user.press("Yes, I agree")
        await user.wait_for(lambda m: "English" in m.button_texts(), timeout=15)
        await emulator.wait_until(lambda: not emulator.unanswered_callback_queries(), timeout=15)
        await emulator.wait_idle()
    assert replies(user, HELP) == 1
    assert emulator.stats.faults_injected["sendMessage"] == 4


async def test_callback_answer_given_up_when_useless(
    emulator: BotApiEmulator, run_bot: BotRunner
) -> None:
    """If answering a button keeps failing, then the bot stops trying once the answer can no
    longer stop the spinner (lifetime shortened to 2 s here) instead of retrying forever, and
    the press itself is still handled."""
    user = emulator.user(22101)
    async with run_bot() as app:
        assert isinstance(app.bot, FeedbackBot)
        app.bot.limiter.callback_lifetime = 2.0
        await user.send_command("start")
        await user.wait_for(CONSENT)
        emulator.fail_next("answerCallbackQuery", 50, status=502)
        await user.press("Yes, I agree")
        await user.wait_for(lambda m: "English" in m.button_texts(), timeout=15)
        await emulator.wait_idle(timeout=15)
        attempts = emulator.stats.faults_injected["answerCallbackQuery"]
        emulator.clear_faults()
    # backoff 0.5 s, 1 s: the attempts at 0, 0.5 and 1.5 s; the next would fall after 2 s
    assert 1 <= attempts <= 4


async def test_send_timed_out_on_read_is_not_sent_twice(
    emulator: BotApiEmulator, run_bot: BotRunner
) -> None:
    """If Telegram carries out a sendMessage but its answer comes after the bot's read timeout
    (5 s), then the bot does not send the message again: the resident sees one /help answer,
    and the next reply goes out normally."""
    user = emulator.user(22201)
    async with run_bot():
        emulator.stall_next("sendMessage", seconds=7)
        await user.send_command("help")
        await user.wait_for(HELP)
        await emulator.wait_idle(timeout=15)
        await user.send_command("help")
        await emulator.wait_until(lambda: replies(user, HELP) == 2, timeout=10)
        await emulator.wait_idle(timeout=15)
    assert replies(user, HELP) == 2
    help_sends = [c for name, c in emulator.calls if name == "sendMessage" and HELP in c["text"]]
    assert len(help_sends) == 2


async def test_one_users_burst_does_not_delay_another(
    emulator: BotApiEmulator, settings: Settings
) -> None:
    """If one user sends 30 commands at once to a bot handling 4 users at a time, then another
    user's /help is answered while the burst is still being worked through (before the 10th of
    the burst's replies), not after it: a user holds at most one of the 4 slots."""
    emulator.limits = FloodLimits(per_chat_per_second=100, per_chat_burst=100)
    busy, other = emulator.user(23001), emulator.user(23002)
    app = build_application(settings, delivery_policy=TEST_DELIVERY, concurrent_updates=4)
    async with running(app):
        for _ in range(30):
            await busy.send_command("help")
        await other.send_command("help")
        await other.wait_for(HELP, timeout=15)
        burst_replies_first = replies(busy, HELP)
        await emulator.wait_until(lambda: replies(busy, HELP) == 30, timeout=30)
    assert burst_replies_first < 10, f"{burst_replies_first} of the burst went first"

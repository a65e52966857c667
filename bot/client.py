"""The Bot API client as this project uses it: PTB's ``ExtBot`` with two corrections.

- ``Defaults(parse_mode=HTML)`` makes PTB add ``parse_mode`` to every method that shares its
  message-sending code, ``editMessageReplyMarkup`` included, which has no such parameter in the
  Bot API specification. Here ``parse_mode`` goes only with a ``text`` or a ``caption``.
- Fetched updates are kept in the inbox (:class:`bot.updates.UpdateInbox`) before the next
  ``getUpdates`` confirms them to Telegram, and an update Telegram sends again is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.error import NetworkError
from telegram.ext import Defaults, ExtBot
from telegram.request import HTTPXRequest

from bot.ratelimit import RateLimitArgs, RetryingRateLimiter

if TYPE_CHECKING:
    from bot.updates import UpdateInbox

FORMATTED_FIELDS = ("text", "caption")


class FeedbackBot(ExtBot[RateLimitArgs]):
    __slots__ = ("_fetched", "_inbox")

    def __init__(
        self,
        token: str,
        *,
        base_url: str,
        base_file_url: str,
        defaults: Defaults,
        rate_limiter: RetryingRateLimiter,
        poll_timeout: float,
    ) -> None:
        super().__init__(
            token,
            base_url=base_url,
            base_file_url=base_file_url,
            # PTB's ApplicationBuilder defaults: a large pool for requests, one for polling
            request=HTTPXRequest(connection_pool_size=256),
            get_updates_request=HTTPXRequest(
                connection_pool_size=1, read_timeout=poll_timeout + 10
            ),
            defaults=defaults,
            rate_limiter=rate_limiter,
        )
        with self._unfrozen():
            self._inbox: UpdateInbox | None = None
            # The JSON of the last getUpdates answer, as Telegram sent it: the inbox stores it
            # as is (re-serialising the parsed Update objects cost ~1 ms per update).
            self._fetched: list[list[JSONDict]] = [[]]

    @property
    def limiter(self) -> RetryingRateLimiter:
        assert isinstance(self.rate_limiter, RetryingRateLimiter)
        return self.rate_limiter

    def keep_updates_in(self, inbox: UpdateInbox | None) -> None:
        """From now on, fetched updates are kept in ``inbox`` (None: no longer)."""
        with self._unfrozen():
            self._inbox = inbox

    def _insert_defaults(self, data: dict[str, object]) -> None:
        super()._insert_defaults(data)
        if all(data.get(field) is None for field in FORMATTED_FIELDS):
            data.pop("parse_mode", None)

    async def _do_post(
        self,
        endpoint: str,
        data: JSONDict,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> bool | JSONDict | list[JSONDict]:
        result = await super()._do_post(
            endpoint,
            data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if endpoint == "getUpdates" and isinstance(result, list):
            self._fetched[0] = result  # PTB parses copies of these dicts: they stay as sent
        return result

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,  # noqa: ASYNC109 - PTB's signature
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        updates = await super().get_updates(
            offset=offset,
            limit=limit,
            timeout=timeout,
            allowed_updates=allowed_updates,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        if self._inbox is None:
            return updates
        raw = {item.get("update_id"): item for item in self._fetched[0]}
        self._fetched[0] = []
        try:
            return await self._inbox.keep(updates, offset, raw)
        except Exception as exc:
            # Returning nothing keeps the offset unconfirmed: Telegram sends the batch again.
            raise NetworkError(f"fetched updates could not be stored: {exc}") from exc

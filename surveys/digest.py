""" "You said, we did": after a round closes, staff tell its participants what will be done.

The digest (results in every community language plus the staff's note) is held as a draft
between the preview and Send, so what is sent is exactly what was previewed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surveys import purposes
from surveys.errors import NotFoundError, RefusedError, StaleActionError
from surveys.messages import Lengths, ensure_fits
from surveys.models import OutboxMessage, Role
from surveys.publishing import Publishing
from surveys.store import Store

if TYPE_CHECKING:
    from surveys.aggregate import RoundReport

KIND = "wedid"
NOTE_MAX = 1500
# Renders a round's results for residents in one language (the bot's catalogue does this).
ResultsText = Callable[[str, "RoundReport"], str]


@dataclass(frozen=True)
class DigestPreview:
    round_id: int
    message: OutboxMessage
    participants: int


class Digests:
    def __init__(
        self,
        store: Store,
        publishing: Publishing,
        languages: Sequence[str],
        results_text: ResultsText,
        lengths: Lengths,
    ) -> None:
        self._store = store
        self._publishing = publishing
        self._languages = list(languages)
        self._results_text = results_text
        self._lengths = lengths

    async def preview(self, user_id: int, round_id: int, note: str) -> DigestPreview:
        """Check the round, render the digest and hold it for Send."""
        try:
            round_ = await self._store.rounds.get(round_id)
        except NotFoundError:
            raise RefusedError("wedid_unknown", round=round_id) from None
        if round_.status != "closed":
            raise RefusedError("wedid_not_closed", round=round_id)
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise RefusedError("wedid_too_long", length=len(note), max=NOTE_MAX)
        sent = (await self._store.outbox.counts(purposes.digest(round_id))).queued
        if sent:  # one digest per participant and round: a second would reach nobody
            raise RefusedError("wedid_already_sent", round=round_id, count=sent)
        participants = await self._store.outbox.count_participants(round_id)
        if not participants:
            raise RefusedError("wedid_nobody", round=round_id)
        titles, results = {}, {}
        for language in self._languages:
            (report,) = await self._publishing.reports([round_id], language)
            titles[language] = report.summary.title
            results[language] = self._results_text(language, report)
        message = OutboxMessage(
            text_key="digest",
            params={"note": note},
            localized_params={"title": titles, "results": results},
        )
        ensure_fits(message, self._lengths, code="wedid_digest_too_long")
        await self._store.drafts.put(
            user_id, KIND, "confirm", {"round": round_id, "message": message.model_dump()}
        )
        return DigestPreview(round_id, message, participants)

    async def send(self, user_id: int, round_id: int, *, role: Role) -> int:
        """Queue the previewed digest for the round's participants; how many were queued."""
        message = await self._take(user_id, round_id)
        queued = await self._store.outbox.enqueue_participants(
            purposes.digest(round_id), message, round_id
        )
        await self._store.audit.record(
            role=role,
            user_id=user_id,
            action="wedid.send",
            allowed=True,
            detail={"round": round_id, "queued": queued},
        )
        return queued

    async def cancel(self, user_id: int, round_id: int) -> None:
        await self._take(user_id, round_id)

    async def _take(self, user_id: int, round_id: int) -> OutboxMessage:
        draft = await self._store.drafts.get(user_id, KIND)
        if draft is None or draft[1].get("round") != round_id:
            raise StaleActionError("no digest preview for this round")
        await self._store.drafts.delete(user_id, KIND)
        return OutboxMessage.model_validate(draft[1]["message"])

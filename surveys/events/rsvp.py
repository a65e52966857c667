"""The rule for answering an event with a capacity, as a pure function.

The store applies it inside the write transaction that records the answer, so two residents
pressing Going for the last place at the same moment are settled one after the other: one gets
the place, the other the waiting list. Nobody is ever moved down: a resident who is going stays
going, and a full event's waiting list is served strictly in order when a place frees.
"""

from __future__ import annotations

from surveys.events.models import RsvpChoice, RsvpStatus


def settle(
    choice: RsvpChoice,
    previous: RsvpStatus | None,
    *,
    going: int,
    waiting: int,
    capacity: int | None,
) -> RsvpStatus:
    """The status a ``choice`` gives, given the answer before and the event's counts now.

    Going is granted while places are left and nobody is waiting ahead; otherwise the resident
    joins the end of the waiting list. Repeating Going keeps a place or a position in the list.
    """
    if choice != "going":
        return choice
    if previous in ("going", "waiting"):
        return previous
    if capacity is None or (going < capacity and waiting == 0):
        return "going"
    return "waiting"


def places_to_fill(going: int, waiting: int, capacity: int | None) -> int:
    """How many residents move from the waiting list to a place now."""
    if capacity is None:
        return waiting
    return max(0, min(capacity - going, waiting))

"""Who is registered where, as staff may see it: small areas suppressed, and the total too
when it would reveal them."""

from __future__ import annotations

from dataclasses import dataclass

from surveys.models import Area
from surveys.store import Store
from surveys.suppression import suppress


@dataclass(frozen=True)
class AreaCount:
    area: Area
    count: int | None  # None: fewer than the minimum group size (or protecting such an area)
    protecting: bool = False  # hidden only so that subtraction cannot reveal a small area


@dataclass(frozen=True)
class Census:
    areas: list[AreaCount]
    total: int | None
    min_group_size: int


async def census(store: Store, min_group_size: int) -> Census:
    """Registered residents per active area, with privacy suppression applied."""
    counts = await store.residents.count_by_area()
    areas = await store.areas.active()
    result = suppress({area.id: counts.get(area.id, 0) for area in areas}, min_group_size)
    rows = [
        AreaCount(
            area,
            None if area.id in result.suppressed else result.published[area.id],
            area.id in result.complementary,
        )
        for area in areas
    ]
    total = None if result.total_suppressed or result.total is None else result.total
    return Census(rows, total, min_group_size)

"""Distances between shared locations, and the coarsening applied before a location leaves
the database."""

from __future__ import annotations

import math

from surveys.reports.models import Location

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def distance_m(a: Location, b: Location) -> float:
    """Great-circle distance in metres (haversine): exact enough for a few hundred metres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(centre: Location, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) containing every point within ``radius_m``: a cheap
    SQL prefilter before the exact distance."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = math.cos(math.radians(centre.latitude))
    dlon = 180.0 if cos_lat < 1e-9 else min(180.0, dlat / cos_lat)
    return (
        max(-90.0, centre.latitude - dlat),
        min(90.0, centre.latitude + dlat),
        centre.longitude - dlon,
        centre.longitude + dlon,
    )


def coarsen(location: Location, decimals: int) -> Location:
    """The location rounded to ``decimals`` places (3 is about 100 m), for exports."""
    return Location(
        latitude=round(location.latitude, decimals), longitude=round(location.longitude, decimals)
    )

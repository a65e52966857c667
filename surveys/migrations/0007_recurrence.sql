-- Recurring rounds keep their series' anchor: the first round's opening. Each later opening is
-- computed from it in the community's time zone (its local time of day, its day of the month),
-- so a short month or a daylight-saving change never shifts the rest of the series.
-- NULL for a round that is the first of its series (or does not recur).
ALTER TABLE rounds ADD COLUMN series_opens_at TEXT;

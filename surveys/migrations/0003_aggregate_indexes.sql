-- Indexes for aggregation and exports (surveys/store/results.py).

-- Respondents per area of a round, counted from the index alone; rows come in (area, id)
-- order, which the per-respondent index query groups by without sorting.
CREATE INDEX responses_round_area ON responses(round_id, area_id, status);

-- Invited (every row of a purpose) and delivered (status 'sent') from the index alone.
CREATE INDEX outbox_purpose_status ON outbox(purpose, status);

-- Orders, donations and monthly gifts are read back from their platforms
-- when their ReadBackAt comes (buybutton.Options.ReadBack), for webhooks
-- lost for good: Store.ReadBacksDue finds them by read_back_at, an index
-- apart from due_at, so that a backlog of read-backs never stands before
-- the work that is due.
ALTER TABLE buybutton_records ADD COLUMN read_back_at timestamptz;
CREATE INDEX buybutton_read_backs ON buybutton_records (read_back_at, kind, id) WHERE read_back_at IS NOT NULL;

-- Records written before this migration have no ReadBackAt. Those placed
-- or given less than a year ago, and the monthly gifts not ended, are
-- read back once within the next four days, at a time drawn for each, so
-- that their platform reads (a few calls each) do not all come at once;
-- maintenance then schedules the next read-back from when each was placed
-- or given. A host that turned read-backs off has them cleared unread.
UPDATE buybutton_records r
	SET (body, read_back_at) = (
		SELECT jsonb_set(r.body, '{ReadBackAt}', to_jsonb(x.at)), x.at
		FROM (SELECT now() + random() * interval '4 days' AS at) x)
	WHERE NOT r.body ? 'ReadBackAt'
	  AND ((r.kind = 'order' AND (r.body->>'PlacedAt')::timestamptz > now() - interval '365 days')
	    OR (r.kind = 'donation' AND (r.body->>'GivenAt')::timestamptz > now() - interval '365 days')
	    OR (r.kind = 'monthly_gift' AND r.body->>'Status' <> 'canceled'));

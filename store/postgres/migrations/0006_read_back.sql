-- Orders, donations and monthly gifts are read back from their platforms
-- when their ReadBackAt comes (buybutton.Options.ReadBack), for webhooks
-- lost for good; due_at holds it while a record owes no other work.
-- Records written before this migration have no ReadBackAt. Those placed
-- or given less than a year ago, and the monthly gifts not ended, are
-- read back once within the next four days, at a time drawn for each, so
-- that their platform reads (a few calls each) do not all come in one
-- pass; maintenance then schedules the next read-back from when each was
-- placed or given. A host that turned read-backs off has them cleared
-- unread.
UPDATE buybutton_records r
	SET body = CASE WHEN r.due_at IS NULL
			THEN jsonb_set(jsonb_set(r.body, '{ReadBackAt}', to_jsonb(s.at)), '{DueAt}', to_jsonb(s.at))
			ELSE jsonb_set(r.body, '{ReadBackAt}', to_jsonb(s.at)) -- due for work it owes, first
		END,
		due_at = COALESCE(r.due_at, s.at)
	FROM (SELECT kind, id, now() + random() * interval '4 days' AS at FROM buybutton_records) s
	WHERE s.kind = r.kind AND s.id = r.id
	  AND NOT r.body ? 'ReadBackAt'
	  AND ((r.kind = 'order' AND (r.body->>'PlacedAt')::timestamptz > now() - interval '365 days')
	    OR (r.kind = 'donation' AND (r.body->>'GivenAt')::timestamptz > now() - interval '365 days')
	    OR (r.kind = 'monthly_gift' AND r.body->>'Status' <> 'canceled'));

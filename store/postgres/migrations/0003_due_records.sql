-- Orders and donations have a DueAt too (work they owe: a refund still
-- pending, a cancellation not finished), so the due index covers every
-- kind, in one order: Store.Due.
CREATE INDEX buybutton_due ON buybutton_records (due_at, kind, id) WHERE due_at IS NOT NULL;
DROP INDEX buybutton_due_checkouts;

-- Orders and donations written before this migration hold no due_at:
-- those with a refund still pending are due at once.
UPDATE buybutton_records SET due_at = now()
	WHERE kind IN ('order', 'donation') AND body->'Refunds' @> '[{"Status": "pending"}]';

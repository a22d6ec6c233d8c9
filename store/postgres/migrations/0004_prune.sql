-- Maintain prunes idempotency records and seen events older than the
-- host's retention (buybutton.Options.Retention), oldest first.
CREATE INDEX buybutton_idempotency_created ON buybutton_idempotency (created_at);
CREATE INDEX buybutton_seen_events_at ON buybutton_seen_events (at);

-- An acknowledged event is deleted, no longer marked, so that the outbox
-- holds what is pending and does not grow with the database's age. The
-- acked_at column stays for the instances of an earlier release that run
-- beside this one during an upgrade: they still mark what they
-- acknowledge, and PendingEvents still skips what they marked.
DELETE FROM buybutton_outbox WHERE acked_at IS NOT NULL;

-- buybutton: outside a transaction
-- DonationsByCampaign lists a campaign's donations newest first (by
-- placed_at, a donation's GivenAt, migration 5), so that the library can
-- fill a campaign's Supporters again when one leaves. The campaign is
-- the body's CampaignID, which every release has written. The index is
-- built CONCURRENTLY, so that instances go on writing while it builds;
-- one a crash left half built is dropped first.
DROP INDEX CONCURRENTLY IF EXISTS buybutton_donations_by_campaign;
CREATE INDEX CONCURRENTLY buybutton_donations_by_campaign ON buybutton_records ((body->>'CampaignID'), placed_at DESC, id DESC)
	WHERE kind = 'donation';

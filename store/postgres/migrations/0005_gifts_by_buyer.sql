-- DonationsByBuyer and MonthlyGiftsByBuyer list a donor's records as
-- OrdersByBuyer lists orders, by buyer_id and placed_at: for them the
-- body's BuyerID, and its GivenAt (a donation) or CreatedAt (a monthly
-- gift). A trigger fills the two columns from the body on every write,
-- so that rows an earlier release's instances write beside this one
-- during an upgrade (which leave the columns NULL) are listed all the
-- same.
CREATE FUNCTION buybutton_gift_columns() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.buyer_id := NEW.body->>'BuyerID';
	NEW.placed_at := (NEW.body->>(CASE NEW.kind WHEN 'donation' THEN 'GivenAt' ELSE 'CreatedAt' END))::timestamptz;
	RETURN NEW;
END
$$;
CREATE TRIGGER buybutton_gift_columns BEFORE INSERT OR UPDATE ON buybutton_records
	FOR EACH ROW WHEN (NEW.kind IN ('donation', 'monthly_gift'))
	EXECUTE FUNCTION buybutton_gift_columns();
CREATE INDEX buybutton_gifts_by_buyer ON buybutton_records (kind, buyer_id, placed_at DESC, id DESC)
	WHERE kind IN ('donation', 'monthly_gift');

-- The gifts written before: rewriting them fires the trigger.
UPDATE buybutton_records SET body = body WHERE kind IN ('donation', 'monthly_gift');

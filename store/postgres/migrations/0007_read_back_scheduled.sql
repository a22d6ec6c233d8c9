-- During an upgrade, instances of a release before migration 6 run on
-- beside the new ones, and write orders, donations and monthly gifts as
-- they know them: no ReadBackAt in the body, read_back_at not among the
-- columns they set. An order one of them places would never be read
-- back, so an insert without ReadBackAt in its body is completed here,
-- as the new release would have written it: read back four days on, the
-- default Options.ReadBack. The new release always writes ReadBackAt
-- (its zero time when there is none), so the trigger never fires for it.
--
-- An update of theirs keeps read_back_at and drops the body's
-- ReadBackAt. Maintenance mends that when the record is listed
-- (buybutton's restoreReadBack): it commits the record with the next
-- read-back of its schedule. A trigger on updates too would make every
-- update of every record fetch the row it replaces first, about 5% of a
-- placement's time (docs/BENCHMARKS.md), for the length of an upgrade.
CREATE FUNCTION buybutton_schedule_read_back() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.read_back_at := now() + interval '4 days';
	NEW.body := jsonb_set(NEW.body, '{ReadBackAt}', to_jsonb(NEW.read_back_at));
	RETURN NEW;
END
$$;

CREATE TRIGGER buybutton_read_back_scheduled BEFORE INSERT ON buybutton_records
	FOR EACH ROW
	WHEN (NEW.kind IN ('order', 'donation', 'monthly_gift') AND NOT NEW.body ? 'ReadBackAt')
	EXECUTE FUNCTION buybutton_schedule_read_back();

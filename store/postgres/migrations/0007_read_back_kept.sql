-- During an upgrade, instances of a release before migration 6 run on
-- beside the new ones, and write orders, donations and monthly gifts as
-- they know them: no ReadBackAt in the body, read_back_at not among the
-- columns they set. Left so, an update of theirs would keep the index's
-- read_back_at and drop the body's ReadBackAt, and maintenance, reading
-- the body, would skip a record that ReadBacksDue goes on listing first,
-- before every read-back behind it, for ever; a record they insert would
-- never be read back.
--
-- So a write without ReadBackAt in its body is completed here, as the
-- new release would have written it: an update keeps the read-back the
-- record had, in the body as in the index, and an insert is read back
-- four days on, the default Options.ReadBack. The new release always
-- writes ReadBackAt (its zero time when there is none), so the trigger
-- never fires for it.
CREATE FUNCTION buybutton_keep_read_back() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		NEW.read_back_at := now() + interval '4 days';
	END IF;
	IF NEW.read_back_at IS NOT NULL THEN
		NEW.body := jsonb_set(NEW.body, '{ReadBackAt}', to_jsonb(NEW.read_back_at));
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER buybutton_read_back_kept BEFORE INSERT OR UPDATE ON buybutton_records
	FOR EACH ROW
	WHEN (NEW.kind IN ('order', 'donation', 'monthly_gift') AND NOT NEW.body ? 'ReadBackAt')
	EXECUTE FUNCTION buybutton_keep_read_back();

-- buybutton_conflict aborts the transaction it runs in with SQLSTATE BB001,
-- naming the record a Commit conflicted on, so that a Commit can be one
-- batch in one implicit transaction: its first failed condition rolls back
-- everything, with no round trip to decide it.
CREATE FUNCTION buybutton_conflict(kind text, id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'BB001', MESSAGE = kind, DETAIL = id;
END
$$;

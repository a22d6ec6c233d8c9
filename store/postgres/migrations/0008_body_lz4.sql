-- A record's body past about 2 KB (an order's, often a checkout's) is
-- compressed on every write and decompressed on every read, by default
-- with pglz. lz4 does both several times faster: a placement takes about
-- 4% less time, and the floor's writes of the same documents 4 to 10%
-- less (docs/BENCHMARKS.md). Rows written before keep pglz; both are
-- read alike. A server built without lz4 keeps pglz.
DO $$
BEGIN
	ALTER TABLE buybutton_records ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	NULL;
END
$$;

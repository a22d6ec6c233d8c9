-- Records: carts, checkout groups, checkouts, orders, wallets, campaigns,
-- donations and monthly gifts, each a JSON document under (kind, id) with
-- the version that compare-and-set checks. A wallet's id is its buyer's.
-- The columns beside the body exist for the indexes the Store queries.
CREATE TABLE buybutton_records (
	kind      text        NOT NULL,
	id        text        NOT NULL,
	version   bigint      NOT NULL CHECK (version > 0),
	body      jsonb       NOT NULL,
	buyer_id  text,                 -- orders: OrdersByBuyer
	placed_at timestamptz,          -- orders: newest first
	due_at    timestamptz,          -- checkouts: DueCheckouts
	PRIMARY KEY (kind, id)
);
CREATE INDEX buybutton_orders_by_buyer ON buybutton_records (buyer_id, placed_at DESC, id DESC) WHERE kind = 'order';
CREATE INDEX buybutton_due_checkouts ON buybutton_records (due_at, id) WHERE kind = 'checkout' AND due_at IS NOT NULL;

-- Refs index records under providers' ids; one id per ref, for ever.
CREATE TABLE buybutton_refs (
	kind        text NOT NULL,
	merchant_id text NOT NULL,
	external_id text NOT NULL,
	id          text NOT NULL,
	PRIMARY KEY (kind, merchant_id, external_id)
);

-- Idempotency records are inserted once and never changed.
CREATE TABLE buybutton_idempotency (
	key         text        PRIMARY KEY,
	fingerprint text        NOT NULL,
	result_id   text        NOT NULL,
	created_at  timestamptz NOT NULL
);

-- Provider events already applied: a webhook event's effect and its mark
-- commit together, and the mark can be inserted once.
CREATE TABLE buybutton_seen_events (
	merchant_id text        NOT NULL,
	event_id    text        NOT NULL,
	at          timestamptz NOT NULL,
	PRIMARY KEY (merchant_id, event_id)
);

-- The transition log of every machine, in commit order per subject.
CREATE TABLE buybutton_transitions (
	seq        bigserial PRIMARY KEY,
	subject_id text      NOT NULL,
	body       jsonb     NOT NULL
);
CREATE INDEX buybutton_transitions_by_subject ON buybutton_transitions (subject_id, seq);

-- The outbox of events for the host, pending until acknowledged.
CREATE TABLE buybutton_outbox (
	seq      bigserial   PRIMARY KEY,
	id       text        NOT NULL UNIQUE,
	body     jsonb       NOT NULL,
	acked_at timestamptz
);
CREATE INDEX buybutton_outbox_pending ON buybutton_outbox (seq) WHERE acked_at IS NULL;

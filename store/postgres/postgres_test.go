package postgres

import (
	"context"
	"io/fs"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/buybutton/buybutton"
	"github.com/buybutton/buybutton/storetest"
)

// databaseURL is the PostgreSQL the tests use (BUYBUTTON_TEST_DATABASE_URL),
// which the README's test command starts. Without it the test is skipped
// on a developer's machine and fails in CI (CI=true).
func databaseURL(t testing.TB) string {
	u := os.Getenv("BUYBUTTON_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BUYBUTTON_TEST_DATABASE_URL is not set: ./scripts/test starts PostgreSQL and sets it")
		}
		t.Skip("BUYBUTTON_TEST_DATABASE_URL is not set; ./scripts/test starts PostgreSQL and sets it")
	}
	return u
}

// freshSchema makes an empty schema with the migrations applied, and
// returns its name; it is dropped when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL(t))
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	schema := "t_" + uuid.NewString()[:8]
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, databaseURL(t))
		if err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	pool := newPool(t, schema, 4)
	if err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	return schema
}

// newPool opens a pool on schema, as one app instance would.
func newPool(t testing.TB, schema string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(databaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestConformance(t *testing.T) {
	storetest.RunStoreTests(t, func(t *testing.T) buybutton.Store {
		return New(newPool(t, freshSchema(t), 16))
	})
}

// TestMigrateTwiceAppliesOnce: every instance may migrate at start-up.
func TestMigrateTwiceAppliesOnce(t *testing.T) {
	schema := freshSchema(t)
	pool := newPool(t, schema, 2)
	for range 2 {
		if err := Migrate(context.Background(), pool); err != nil {
			t.Fatal(err)
		}
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM buybutton_schema").Scan(&n); err != nil || n != len(files) {
		t.Fatalf("schema versions = %d, %v; want %d, one per migration", n, err, len(files))
	}
}

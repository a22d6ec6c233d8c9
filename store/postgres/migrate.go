package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key Migrate holds, so that instances
// starting together apply each migration once.
const migrationLock = 0x6275796275 // "buybu"

// Migrate applies the schema migrations that the database (in the
// connection's search_path) does not have yet, in order, each in its own
// transaction with the version it brings. It is safe to call from every
// instance at start-up: an advisory lock makes concurrent calls wait, and a
// migration applied once is never applied again.
//
// A migration that builds an index on buybutton_records builds it
// CONCURRENTLY, so that the instances still serving go on writing while
// it builds; PostgreSQL does that only outside a transaction. Such a
// migration begins with the line outsideTransaction and holds plain
// statements, each ending with a semicolon at the end of a line, each
// safe to run again (a build a crash cut short leaves an invalid index,
// which the migration drops before it builds): they run one by one, and
// the version is recorded after the last.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate(ctx, pool, math.MaxInt)
}

// migrate applies the migrations up to version upTo: a test's way to make
// a database as an older release left it.
func migrate(ctx context.Context, pool *pgxpool.Pool, upTo int) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS buybutton_schema (
		version    int         PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("postgres: migration %s has no version number", name)
		}
		if version > upTo {
			break
		}
		sql, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if strings.HasPrefix(string(sql), outsideTransaction+"\n") {
			err = applyOutsideTransaction(ctx, conn.Conn(), version, string(sql))
		} else {
			err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				tag, err := tx.Exec(ctx, `INSERT INTO buybutton_schema (version) VALUES ($1) ON CONFLICT DO NOTHING`, version)
				if err != nil || tag.RowsAffected() == 0 {
					return err // applied before
				}
				_, err = tx.Exec(ctx, string(sql))
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", name, err)
		}
	}
	return nil
}

// outsideTransaction is the first line of a migration applied outside a
// transaction (see Migrate).
const outsideTransaction = "-- buybutton: outside a transaction"

// applyOutsideTransaction runs the statements of migration sql one by
// one, unless version is recorded already, and then records it. The
// caller holds the migration lock.
func applyOutsideTransaction(ctx context.Context, conn *pgx.Conn, version int, sql string) error {
	var applied bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM buybutton_schema WHERE version = $1)`, version).Scan(&applied); err != nil || applied {
		return err
	}
	for _, stmt := range strings.SplitAfter(sql, ";\n") {
		if !hasStatement(stmt) {
			continue
		}
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	_, err := conn.Exec(ctx, `INSERT INTO buybutton_schema (version) VALUES ($1)`, version)
	return err
}

// hasStatement reports whether sql holds more than comments and blank
// lines.
func hasStatement(sql string) bool {
	for line := range strings.Lines(sql) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			return true
		}
	}
	return false
}

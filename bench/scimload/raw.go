package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// rawFullDDL creates scratch tables shaped like syncd's persons,
// source_links, audit_events and audit_head, with the same keys and the
// userName indexes, so the floor pays for the same index maintenance.
var rawFullDDL = map[string][]string{
	"sqlite3": {
		`CREATE TABLE IF NOT EXISTS scimload_persons (id TEXT PRIMARY KEY, user_name TEXT NOT NULL, email TEXT NOT NULL,
			given_name TEXT NOT NULL, family_name TEXT NOT NULL, display_name TEXT NOT NULL, employee_number TEXT NOT NULL,
			title TEXT NOT NULL, department TEXT NOT NULL, manager_id TEXT NOT NULL, status TEXT NOT NULL,
			created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS scimload_persons_user_name_idx ON scimload_persons (lower(user_name))`,
		`CREATE TABLE IF NOT EXISTS scimload_links (source TEXT NOT NULL, external_id TEXT NOT NULL, person_id TEXT NOT NULL
			REFERENCES scimload_persons (id), attributes TEXT NOT NULL, raw BLOB, version INTEGER NOT NULL,
			created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (source, external_id))`,
		`CREATE INDEX IF NOT EXISTS scimload_links_person_idx ON scimload_links (source, person_id)`,
		`CREATE INDEX IF NOT EXISTS scimload_links_user_name_idx ON scimload_links (source, lower(json_extract(attributes, '$.userName')))`,
		`CREATE TABLE IF NOT EXISTS scimload_audit (seq INTEGER PRIMARY KEY, time DATETIME NOT NULL, actor TEXT NOT NULL,
			action TEXT NOT NULL, target TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL UNIQUE, hash TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS scimload_audit_head (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)`,
		`INSERT OR IGNORE INTO scimload_audit_head (id, seq, hash) VALUES (1, 0, '')`,
	},
	"pgx": {
		`CREATE TABLE IF NOT EXISTS scimload_persons (id TEXT COLLATE "C" PRIMARY KEY, user_name TEXT NOT NULL, email TEXT NOT NULL,
			given_name TEXT NOT NULL, family_name TEXT NOT NULL, display_name TEXT NOT NULL, employee_number TEXT NOT NULL,
			title TEXT NOT NULL, department TEXT NOT NULL, manager_id TEXT NOT NULL, status TEXT NOT NULL,
			created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS scimload_persons_user_name_idx ON scimload_persons (lower(user_name))`,
		`CREATE TABLE IF NOT EXISTS scimload_links (source TEXT COLLATE "C" NOT NULL, external_id TEXT COLLATE "C" NOT NULL,
			person_id TEXT COLLATE "C" NOT NULL REFERENCES scimload_persons (id), attributes JSONB NOT NULL, raw BYTEA,
			version BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (source, external_id))`,
		`CREATE INDEX IF NOT EXISTS scimload_links_person_idx ON scimload_links (source, person_id)`,
		`CREATE INDEX IF NOT EXISTS scimload_links_user_name_idx ON scimload_links (source, lower(attributes ->> 'userName'))`,
		`CREATE TABLE IF NOT EXISTS scimload_audit (seq BIGINT PRIMARY KEY, time TIMESTAMPTZ NOT NULL, actor TEXT NOT NULL,
			action TEXT NOT NULL, target TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL UNIQUE, hash TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS scimload_audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
		`INSERT INTO scimload_audit_head (id, seq, hash) VALUES (1, 0, '') ON CONFLICT DO NOTHING`,
	},
}

// rawFullInsert is the floor of a SCIM create: per user one transaction
// that inserts the person, the link with the pushed document, and an
// audit event chained to the head it locks and moves, through
// database/sql with prepared statements, from the given number of
// clients.
func rawFullInsert(l *loader, driver, dsn, prefix string, n, clients int) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "scimload: raw-full:", err)
		os.Exit(1)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		fail(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(clients)
	db.SetMaxIdleConns(clients)
	ctx := context.Background()
	ddl, ok := rawFullDDL[driver]
	if !ok {
		fail(fmt.Errorf("unknown driver %q", driver))
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			fail(err)
		}
	}
	ph := func(q string) string {
		if driver != "pgx" {
			return q
		}
		var sb strings.Builder
		k := 0
		for _, c := range q {
			if c == '?' {
				k++
				fmt.Fprintf(&sb, "$%d", k)
				continue
			}
			sb.WriteRune(c)
		}
		return sb.String()
	}
	prep := func(q string) *sql.Stmt {
		st, err := db.PrepareContext(ctx, ph(q))
		if err != nil {
			fail(err)
		}
		return st
	}
	insPerson := prep(`INSERT INTO scimload_persons (id, user_name, email, given_name, family_name, display_name,
		employee_number, title, department, manager_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	insLink := prep(`INSERT INTO scimload_links (source, external_id, person_id, attributes, raw, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?)`)
	lockHead := prep(`SELECT seq, hash FROM scimload_audit_head WHERE id = 1` + map[bool]string{true: " FOR UPDATE"}[driver == "pgx"])
	insAudit := prep(`INSERT INTO scimload_audit (seq, time, actor, action, target, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	moveHead := prep(`UPDATE scimload_audit_head SET seq = ?, hash = ? WHERE id = 1`)
	for _, st := range []*sql.Stmt{insPerson, insLink, lockHead, insAudit, moveHead} {
		defer st.Close()
	}
	l.phase("raw-full", n, clients, func(i int) (int, error) {
		u := user(prefix+"-raw", i)
		doc, _ := json.Marshal(u)
		name := u["name"].(map[string]any)
		ent := u[enterprise].(map[string]any)
		id := fmt.Sprintf("%s-raw-%08d", prefix, i)
		attrs, _ := json.Marshal(map[string]string{"userName": u["userName"].(string), "displayName": u["displayName"].(string),
			"givenName": name["givenName"].(string), "familyName": name["familyName"].(string), "title": u["title"].(string),
			"employeeNumber": ent["employeeNumber"].(string), "department": ent["department"].(string)})
		now := time.Now().UTC().Truncate(time.Microsecond)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
		if _, err := tx.Stmt(insPerson).ExecContext(ctx, id, u["userName"], u["userName"], name["givenName"], name["familyName"],
			u["displayName"], ent["employeeNumber"], u["title"], ent["department"], "", "active", now, now); err != nil {
			return 0, err
		}
		if _, err := tx.Stmt(insLink).ExecContext(ctx, "bench", u["externalId"], id, string(attrs), doc, now, now); err != nil {
			return 0, err
		}
		var (
			seq  int64
			prev string
		)
		if err := tx.Stmt(lockHead).QueryRowContext(ctx).Scan(&seq, &prev); err != nil {
			return 0, err
		}
		details := string(attrs)
		h := sha256.Sum256([]byte(fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s", seq+1, now.Format(time.RFC3339Nano), "scim:bench",
			"person.created", "person:"+id, details, prev)))
		hash := hex.EncodeToString(h[:])
		if _, err := tx.Stmt(insAudit).ExecContext(ctx, seq+1, now, "scim:bench", "person.created", "person:"+id, details, prev, hash); err != nil {
			return 0, err
		}
		if _, err := tx.Stmt(moveHead).ExecContext(ctx, seq+1, hash); err != nil {
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		return 201, nil
	}, 201)
}

// Package gormtest gives tests of any package a migrated gormstore.Store of
// their own: a fresh SQLite file always, a fresh PostgreSQL schema when
// SYNCD_TEST_POSTGRES_DSN is set. Import it from _test.go files only.
package gormtest

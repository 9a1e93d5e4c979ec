// Package gormstore implements store.Store on SQLite and PostgreSQL with gorm.
// It is the only package of syncd that imports gorm; its row types stay private.
package gormstore

package gormstore

import "database/sql"

// DBStats returns the connection pool's statistics (for metrics).
func (s *Store) DBStats() sql.DBStats { return s.sqlDB.Stats() }

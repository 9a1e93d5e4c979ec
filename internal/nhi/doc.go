// Package nhi owns the non-human identity inventory's hygiene: the orphan
// rules (pure, table-driven, evaluated set-based over the whole inventory),
// findings that open, update and resolve themselves with their history,
// acknowledgements, re-ownership tasks when an owner leaves, and the
// validated write path for NHIs and projects used by the API and the CSV
// import.
package nhi

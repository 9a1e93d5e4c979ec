package store

// Every query struct of this package (PersonQuery, GrantQuery,
// FindingQuery, TaskQuery, ...) reads its Limit the same way:
//
//   - 0 asks for the default page, DefaultLimit rows;
//   - a positive n asks for at most n rows;
//   - All asks for every matching row.
//
// All is for set-based work inside syncd (rule evaluation, sweeps,
// counts on a page); a limit a client sent is a positive number.
const (
	DefaultLimit = 100
	All          = -1
)

package source

import "context"

// Kinds of record a Confirmer is asked about.
const (
	KindPerson         = "person"
	KindGroup          = "group"
	KindServiceAccount = "serviceAccount"
)

// Ref names one record a complete read did not return, as syncd last saw
// it: its stable id and, for directories, its DN.
type Ref struct {
	Kind       string
	ExternalID string
	DN         string
}

// Confirmer is implemented by sources that can look one record up on its
// own. A paged enumeration of a collection that changes while it is read
// is not a snapshot (a deletion shifts every later record one position
// back, so offset paging skips one), so the runner removes nothing a full
// read missed until the source confirms it is gone; sources that cannot
// confirm get no deletions at all.
type Confirmer interface {
	// Exists reports, for each ref, whether the record still exists in
	// the source, in the scope syncd reads (one lookup per record, on one
	// connection). A lookup that fails is an error, never "absent".
	Exists(ctx context.Context, refs []Ref) ([]bool, error)
}

package identity

import (
	"encoding/json"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// ManagerRef is how a source names a person's manager. Exactly the fields
// the source knows are set; resolution tries ExternalID (a link of the same
// source), then DN (a link of the same source with that DN), then
// EmployeeNumber (any person).
type ManagerRef struct {
	ExternalID     string `json:"externalId,omitempty"`
	DN             string `json:"dn,omitempty"`
	EmployeeNumber string `json:"employeeNumber,omitempty"`
}

// IsZero reports whether r names nobody, i.e. asserts "no manager".
func (r ManagerRef) IsZero() bool { return r == ManagerRef{} }

func (r ManagerRef) String() string {
	switch {
	case r.ExternalID != "":
		return fmt.Sprintf("external id %q", r.ExternalID)
	case r.DN != "":
		return fmt.Sprintf("DN %q", r.DN)
	case r.EmployeeNumber != "":
		return fmt.Sprintf("employee number %q", r.EmployeeNumber)
	}
	return "no manager"
}

// encodeRef is the form kept in store.SourceLink.ManagerRef: "" when no
// manager is named, canonical JSON otherwise.
func encodeRef(r *ManagerRef) string {
	if r == nil || r.IsZero() {
		return ""
	}
	// What json.Marshal gives for the struct (fields in order, empty
	// ones omitted), without reflection: a pull encodes one per record.
	b := make([]byte, 0, 16+len(r.ExternalID)+len(r.DN)+len(r.EmployeeNumber))
	b = append(b, '{')
	for _, f := range [...]struct{ name, v string }{
		{`"externalId":`, r.ExternalID}, {`"dn":`, r.DN}, {`"employeeNumber":`, r.EmployeeNumber},
	} {
		if f.v == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, f.name...)
		b = store.AppendJSONString(b, f.v)
	}
	return string(append(b, '}'))
}

// decodeRef reverses encodeRef. A reference this version cannot read is
// treated as an external id, so older data still resolves when it can.
func decodeRef(s string) ManagerRef {
	if s == "" {
		return ManagerRef{}
	}
	var r ManagerRef
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return ManagerRef{ExternalID: s}
	}
	return r
}

// closesCycle reports whether making manager the manager of person would
// close a cycle, walking manager's chain with managerOf. A person managing
// themself is the shortest cycle. A cycle already present further up the
// chain (not through person) ends the walk without error.
func closesCycle(person, manager string, managerOf func(id string) (string, error)) (bool, error) {
	seen := map[string]bool{}
	for id := manager; id != ""; {
		if id == person {
			return true, nil
		}
		if seen[id] {
			return false, nil
		}
		seen[id] = true
		next, err := managerOf(id)
		if err != nil {
			return false, err
		}
		id = next
	}
	return false, nil
}

package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.SCIMViewTx = (*txn)(nil)

// ListCurrentJobFunctionsOf reads the open assignments a chunk of persons
// at a time.
func (t *txn) ListCurrentJobFunctionsOf(ctx context.Context, personIDs []string) ([]store.JobFunctionAssignment, error) {
	var out []store.JobFunctionAssignment
	for start := 0; start < len(personIDs); start += chunk {
		var rows []assignmentRow
		err := t.conn(ctx).Where("person_id IN ? AND valid_to IS NULL", personIDs[start:min(start+chunk, len(personIDs))]).
			Order("person_id, valid_from, id").Find(&rows).Error
		if err != nil {
			return nil, wrap(fmt.Sprintf("list job functions of %d persons", len(personIDs)), err)
		}
		for _, r := range rows {
			out = append(out, r.toAssignment())
		}
	}
	return out, nil
}

// personGroupRow is a group with the member it was read for.
type personGroupRow struct {
	MemberID    string
	ID          string
	Source      string
	ExternalID  string
	DisplayName string
	Description string
	Raw         []byte
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ListGroupsOfPersons reads the memberships a chunk of persons at a time.
func (t *txn) ListGroupsOfPersons(ctx context.Context, personIDs []string, source string) (map[string][]store.Group, error) {
	out := map[string][]store.Group{}
	for start := 0; start < len(personIDs); start += chunk {
		var rows []personGroupRow
		err := t.conn(ctx).Raw("SELECT m.person_id AS member_id, g.id, g.source, g.external_id, g.display_name, g.description, g.raw, g.version,"+
			" g.created_at, g.updated_at FROM group_members m JOIN source_groups g ON g.id = m.group_id"+
			" WHERE m.person_id IN ? AND g.source = ? ORDER BY m.person_id, g.id",
			personIDs[start:min(start+chunk, len(personIDs))], source).Scan(&rows).Error
		if err != nil {
			return nil, wrap(fmt.Sprintf("list groups of %d persons", len(personIDs)), err)
		}
		for _, r := range rows {
			g := groupRow{ID: r.ID, Source: r.Source, ExternalID: r.ExternalID, DisplayName: r.DisplayName,
				Description: r.Description, Raw: r.Raw, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
			out[r.MemberID] = append(out[r.MemberID], g.toGroup())
		}
	}
	return out, nil
}

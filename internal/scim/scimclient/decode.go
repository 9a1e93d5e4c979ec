package scimclient

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/source"
)

// page is a ListResponse (RFC 7644 section 3.4.2). itemsPerPage is not
// trusted: the next startIndex follows from the resources received.
type page struct {
	TotalResults int               `json:"totalResults"`
	StartIndex   int               `json:"startIndex"`
	ItemsPerPage int               `json:"itemsPerPage"`
	Resources    []json.RawMessage `json:"Resources"`
}

// decodePage parses one page; a malformed one is an error for the page,
// not for the run.
func decodePage(b []byte) (page, error) {
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		return page{}, fmt.Errorf("malformed ListResponse: %w", err)
	}
	if p.TotalResults < 0 {
		return page{}, fmt.Errorf("malformed ListResponse: negative totalResults %d", p.TotalResults)
	}
	return p, nil
}

type user struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
	Name     struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"name"`
	DisplayName string `json:"displayName"`
	Title       string `json:"title"`
	Active      *bool  `json:"active"`
	Emails      []struct {
		Value   string `json:"value"`
		Primary bool   `json:"primary"`
	} `json:"emails"`
	Meta struct {
		LastModified string `json:"lastModified"`
	} `json:"meta"`
	// The enterprise extension (RFC 7643 section 4.3), keyed by its URN.
	Enterprise *struct {
		EmployeeNumber string `json:"employeeNumber"`
		Department     string `json:"department"`
		CostCenter     string `json:"costCenter"`
		Organization   string `json:"organization"`
		Division       string `json:"division"`
		Manager        *struct {
			Value string `json:"value"`
		} `json:"manager"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

// resourceID digs the id out of a resource that does not decode as a
// user, so its rejection names it.
func resourceID(raw []byte) string {
	var v struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &v) == nil {
		if s, ok := v.ID.(string); ok {
			return s
		}
	}
	return ""
}

// mapUser turns a SCIM user into a record and its lastModified time (zero
// when absent). A rejection reason comes back as an error.
func mapUser(raw []byte, maxLen int) (identity.Record, time.Time, error) {
	if !utf8.Valid(raw) {
		return identity.Record{}, time.Time{}, fmt.Errorf("resource is not valid UTF-8")
	}
	var u user
	if err := json.Unmarshal(raw, &u); err != nil {
		return identity.Record{}, time.Time{}, fmt.Errorf("malformed user: %w", err)
	}
	if u.ID == "" {
		return identity.Record{}, time.Time{}, fmt.Errorf("user without id")
	}
	r := identity.Record{ExternalID: u.ID, Attributes: map[string]string{
		"userName": u.UserName, "givenName": u.Name.GivenName, "familyName": u.Name.FamilyName,
		"displayName": u.DisplayName, "title": u.Title,
	}}
	email := ""
	for i, e := range u.Emails {
		if e.Primary || i == 0 {
			email = e.Value
			if e.Primary {
				break
			}
		}
	}
	r.Attributes["email"] = email
	r.Manager = &identity.ManagerRef{}
	if x := u.Enterprise; x != nil {
		r.Attributes["employeeNumber"] = x.EmployeeNumber
		r.Attributes["department"] = x.Department
		r.Attributes["costCenter"] = x.CostCenter
		r.Attributes["organization"] = x.Organization
		r.Attributes["division"] = x.Division
		if x.Manager != nil && x.Manager.Value != "" {
			r.Manager = &identity.ManagerRef{ExternalID: x.Manager.Value}
		}
	}
	status := "active"
	if u.Active != nil && !*u.Active {
		status = "disabled"
	}
	r.Attributes["status"] = status
	for k, v := range r.Attributes {
		if len(v) > maxLen {
			return identity.Record{ExternalID: u.ID}, time.Time{}, fmt.Errorf("attribute %s is %d bytes, longer than the limit of %d", k, len(v), maxLen)
		}
	}
	var mod time.Time
	if u.Meta.LastModified != "" {
		t, err := time.Parse(time.RFC3339Nano, u.Meta.LastModified)
		if err != nil {
			return identity.Record{ExternalID: u.ID}, time.Time{}, fmt.Errorf("meta.lastModified %q is not an RFC 3339 time", u.Meta.LastModified)
		}
		mod = t.UTC()
	}
	return r, mod, nil
}

type group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Members     []struct {
		Value string `json:"value"`
	} `json:"members"`
}

func mapGroup(raw []byte) (source.Group, error) {
	var g group
	if err := json.Unmarshal(raw, &g); err != nil {
		return source.Group{}, fmt.Errorf("malformed group: %w", err)
	}
	if g.ID == "" {
		return source.Group{}, fmt.Errorf("group without id")
	}
	out := source.Group{ExternalID: g.ID, Name: g.DisplayName}
	if out.Name == "" {
		out.Name = g.ID
	}
	for _, m := range g.Members {
		if m.Value != "" {
			out.MemberIDs = append(out.MemberIDs, m.Value)
		}
	}
	return out, nil
}

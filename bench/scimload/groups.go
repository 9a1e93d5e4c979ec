package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// groupMembers creates n groups, then runs the group-members phase: ops
// PATCH /Groups/{id} requests from the given number of clients, each the
// single-member change Entra sends (op Add or Remove, path members, value
// [{value: id}]), spread over the groups: round r (requests r*groups to
// r*groups+groups-1) adds user r to every group, except every fourth
// round, which removes the user the round before added. Both 200 and
// 204 count as success.
func groupMembers(l *loader, prefix string, ids []string, n, ops, clients int) {
	var users []string
	for _, id := range ids {
		if id != "" {
			users = append(users, id)
		}
	}
	if len(users) == 0 || n < 1 {
		fmt.Fprintln(os.Stderr, "scimload: group-members needs the create phase's users and -groups >= 1")
		return
	}
	groups := make([]string, n)
	for g := range groups {
		code, body, err := l.do("POST", "/Groups", map[string]any{
			"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
			"displayName": fmt.Sprintf("%s-group-%d", prefix, g),
		})
		var r struct{ ID string }
		if err == nil && code == 201 {
			err = json.Unmarshal(body, &r)
		}
		if err != nil || r.ID == "" {
			fmt.Fprintf(os.Stderr, "scimload: create group: %d %v %s\n", code, err, body)
			return
		}
		groups[g] = r.ID
	}
	l.phase("group-members", ops, clients, func(i int) (int, error) {
		op, u := "Add", users[(i/n)%len(users)]
		if round := i / n; round%4 == 3 {
			// The member the previous round added to this group.
			op, u = "Remove", users[(round-1)%len(users)]
		}
		body := map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": op, "path": "members",
				"value": []any{map[string]any{"value": u}}}},
		}
		code, _, err := l.do("PATCH", "/Groups/"+groups[i%n], body)
		return code, err
	}, 200, 204)
}

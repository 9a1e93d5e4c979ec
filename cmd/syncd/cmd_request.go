package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/syncd-dev/syncd/internal/catalog"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// cmdRequestList lists access requests with their outcome and explanation.
func cmdRequestList(ctx context.Context, e env, args []string) int {
	var path, state, person, item string
	var limit int
	if _, code := flags(e, "request list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "configuration file")
		fs.StringVar(&state, "state", "", "pending, approved or denied")
		fs.StringVar(&person, "person", "", "beneficiary: email, employee number or userName")
		fs.StringVar(&item, "item", "", "catalog item id")
		fs.IntVar(&limit, "limit", 100, "at most this many, newest first")
	}); code >= 0 {
		return code
	}
	switch store.RequestState(state) {
	case "", store.RequestPending, store.RequestApproved, store.RequestDenied:
	default:
		fmt.Fprintf(e.stderr, "syncd request list: --state must be pending, approved or denied, got %q\n", state)
		return exitUsage
	}
	st, _, code := openMigrated(ctx, e, "request list", path)
	if code >= 0 {
		return code
	}
	defer st.Close()
	q := store.RequestQuery{State: store.RequestState(state), ItemID: item, Limit: limit}
	if person != "" {
		if q.BeneficiaryID = catalog.PersonResolver(ctx, st)(person); q.BeneficiaryID == "" {
			fmt.Fprintf(e.stderr, "syncd request list: no single person matches %q\n", person)
			return exitFailure
		}
	}
	reqs, err := st.ListRequests(ctx, q)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd request list: %v\n", err)
		return exitFailure
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tCREATED\tITEM\tBENEFICIARY\tSTATE\tWHY")
	for _, r := range reqs {
		why := ""
		if d, err := st.GetPolicyDecision(ctx, r.DecisionID); err == nil {
			why = d.Explanation
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.CreatedAt.Format(time.RFC3339), r.ItemID, r.BeneficiaryID, r.State, why)
	}
	w.Flush()
	return exitOK
}

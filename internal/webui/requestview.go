package webui

import (
	"context"
	"strings"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/store"
)

// requestDecision is one approver's decision, named.
type requestDecision struct {
	When    string
	Stage   string
	Who     string
	WhoID   string
	Approve bool
	Comment string
}

// requestView is a request in words: names for every person and the
// item, the state as it is now, the stages and decisions.
type requestView struct {
	ItemName      string
	Risk          string
	Requester     string
	Beneficiary   string
	BeneficiaryID string // a person to link to ("" for an NHI)
	Now           string // the state in a sentence
	Stages        []approvalStage
	Decisions     []requestDecision
}

func (s *Server) viewRequest(ctx context.Context, ex access.Explanation) requestView {
	names := s.names(ctx)
	req := ex.Request
	v := requestView{ItemName: req.ItemID, Requester: names(req.RequesterID), Beneficiary: names(req.BeneficiaryID), BeneficiaryID: req.BeneficiaryID}
	if it, ok := s.catalogItems()[req.ItemID]; ok {
		v.ItemName, v.Risk = it.Name, it.Risk
	}
	if req.BeneficiaryNHIID != "" {
		if n, err := s.Store.GetNHI(ctx, req.BeneficiaryNHIID); err == nil {
			v.Beneficiary = n.Name + " (owned by " + v.Beneficiary + ")"
		}
	}
	for i, st := range req.Stages {
		v.Stages = append(v.Stages, approvalStage{Name: st.Name, Approvers: nameList(names, st.Approvers),
			Approved: nameList(names, st.Approved), Current: req.State == store.RequestPending && i == req.Stage, Done: i < req.Stage})
	}
	var approvedBy []string
	var denial *requestDecision
	for _, a := range ex.Approvals {
		d := requestDecision{When: formatTime(a.CreatedAt, "2006-01-02 15:04 UTC"), Who: names(a.ApproverID), WhoID: a.ApproverID, Approve: a.Approve, Comment: a.Comment}
		if a.Stage >= 0 && a.Stage < len(req.Stages) {
			d.Stage = req.Stages[a.Stage].Name
		}
		if a.Approve {
			approvedBy = append(approvedBy, d.Who)
		} else {
			denial = &d
		}
		v.Decisions = append(v.Decisions, d)
	}
	switch req.State {
	case store.RequestPending:
		v.Now = "Waiting for approval"
		if req.Stage < len(req.Stages) {
			st := req.Stages[req.Stage]
			v.Now += " at stage “" + st.Name + "” by " + nameList(names, st.Approvers)
		}
		if req.StageDue != nil {
			v.Now += ", due " + formatTime(req.StageDue, "2006-01-02 15:04 UTC")
		}
	case store.RequestApproved:
		v.Now = "Approved automatically by policy"
		if len(approvedBy) > 0 {
			v.Now = "Approved by " + strings.Join(approvedBy, ", ")
		}
	case store.RequestDenied:
		switch {
		case denial != nil && denial.Comment != "":
			v.Now = "Denied by " + denial.Who + ": “" + denial.Comment + "”"
		case denial != nil:
			v.Now = "Denied by " + denial.Who
		case req.StateReason != "":
			v.Now = "Denied: " + req.StateReason
		default:
			v.Now = "Denied by policy"
		}
	case store.RequestWithdrawn:
		v.Now = "Withdrawn"
		if req.StateReason != "" {
			v.Now += ": " + req.StateReason
		}
	default:
		v.Now = strings.ToUpper(string(req.State)[:1]) + string(req.State)[1:]
	}
	return v
}

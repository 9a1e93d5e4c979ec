package audit

import (
	"fmt"
	"slices"
)

// The audit vocabulary: every action syncd records, in one place, with the
// keys its details carry. Append refuses an action that is not listed here,
// so a new kind of event is added to this file first (with its
// documentation) and every reader (evidence, the audit trail page, `audit
// export --action`) can rely on the list. Names are "<object>.<verb>" in
// lower case with underscores; a few older names used hyphens and are
// mapped by Canonical when read (the stored name is never rewritten: the
// hash chain covers it). The security actions are in security.go.
const (
	// Persons, their links and job functions (package identity, the only
	// writer of persons).
	ActionPersonCreated       = "person.created"        // attributes, source, link
	ActionPersonUpdated       = "person.updated"        // changed attributes: old, new, source
	ActionPersonLinked        = "person.linked"         // source, external id, correlation rule
	ActionPersonUnlinked      = "person.unlinked"       // source, external id, cause
	ActionPersonStatusChanged = "person.status_changed" // old, new, cause
	ActionJobFunctionChanged  = "jobfunction.changed"   // opened, closed, cause (a mover event)

	// Groups, pushed over SCIM or pulled from a directory. Memberships
	// have one writer (package membership) and one event:
	// group.members_changed, whoever changed them. Before it, SCIM pushes
	// recorded membership changes inside group.updated (added, removed).
	ActionGroupCreated        = "group.created"         // source, displayName or name, members (SCIM)
	ActionGroupUpdated        = "group.updated"         // source, displayName old/new (SCIM) or old/new name and description (a pull)
	ActionGroupMembersChanged = "group.members_changed" // source, name, added, removed (person IDs, exactly what changed), addedNHIs and removedNHIs when NHIs changed, cause when given
	ActionGroupDeleted        = "group.deleted"         // source, displayName

	// Non-human identities, their owners, findings and re-ownership tasks.
	ActionNHICreated             = "nhi.created"                 // kind, name, owner, source or grant
	ActionNHIUpdated             = "nhi.updated"                 // before, after (or old/new per attribute)
	ActionNHIRetired             = "nhi.retired"                 // name, previous status, cause
	ActionNHIOwnerReassigned     = "nhi.owner_reassigned"        // from, to, reason
	ActionNHIOwnerWrittenBack    = "nhi.owner.written_back"      // source, owner, owner DN
	ActionNHIDisabled            = "nhi.disabled"                // task, reason, source write-back
	ActionNHIFlaggedDisablement  = "nhi.flagged_for_disablement" // task, reason
	ActionNHIFindingsReconciled  = "nhi.findings.reconciled"     // counts opened/resolved per rule
	ActionNHIFindingAcknowledged = "nhi.finding.acknowledged"    // finding, rule, justification, expires
	ActionNHITaskCreated         = "nhi.task.created"            // tasks opened
	ActionNHITaskAccepted        = "nhi.task.accepted"           // task, former owner, new owner
	ActionNHITaskCancelled       = "nhi.task.cancelled"          // task, reason
	ActionNHITaskExpired         = "nhi.task.expired"            // task, route, assignee, action taken
	ActionProjectCreated         = "project.created"             // name, owner, start, end
	ActionProjectUpdated         = "project.updated"             // owner, end, status
	ActionProjectExtended        = "project.extended"            // from, to, reason

	// The catalog.
	ActionCatalogItemChanged    = "catalog.item_changed"    // item, version, author, retired, definition; change and approved_by when a governed change applied
	ActionCatalogChangeProposed = "catalog.change_proposed" // change, item, base_version, reasons, definition (a loosening waiting for four eyes)
	ActionCatalogChangeApproved = "catalog.change_approved" // change, item, proposer, version, comment
	ActionCatalogChangeRejected = "catalog.change_rejected" // change, item, proposer, comment

	// Requests and their approval stages.
	ActionRequestSubmitted        = "request.submitted"          // item, beneficiary, outcome, rule, explanation, catalog version
	ActionRequestApprovedStage    = "request.approved_stage"     // stage, comment
	ActionRequestDenied           = "request.denied"             // stage, comment or reason
	ActionRequestEscalated        = "request.escalated"          // stage
	ActionRequestTimedOut         = "request.timed_out"          // stage
	ActionRequestApproversChanged = "request.approvers_changed"  // stage, approvers
	ActionRequestRefusedOnRecheck = "request.refused_on_recheck" // reason, approver
	ActionRequestWithdrawn        = "request.withdrawn"          // reason

	// Grants: creation, fulfillment, take-back and their end.
	ActionGrantCreated              = "grant.created"               // item, holder, assurance, request
	ActionGrantExtended             = "grant.extended"              // item, holder, end, request, approvers
	ActionGrantImported             = "grant.imported"              // item, holder, group
	ActionGrantFulfillment          = "grant.fulfillment"           // adapter, attempt, result, error
	ActionGrantFulfillmentConfirmed = "grant.fulfillment_confirmed" // (a person confirmed a manual fulfillment)
	ActionGrantRefusedOnRecheck     = "grant.refused_on_recheck"    // reason
	ActionGrantRetried              = "grant.retried"               // (an operator retried a failed fulfillment)
	ActionGrantEnded                = "grant.ended"                 // item, holder, reason (expired or relinquished)
	ActionGrantRevoked              = "grant.revoked"               // item, holder, reason
	ActionGrantTakenBack            = "grant.taken_back"            // adapter, attempt
	ActionGrantTakeBackFailed       = "grant.take_back_failed"      // adapter, attempt, error, escalated
	ActionGrantCredentialRetrieved  = "grant.credential_retrieved"  // request (never the secret)

	// Campaigns and their review items.
	ActionCampaignStarted                = "campaign.started"                  // definition, period, version (or mover event)
	ActionCampaignGenerated              = "campaign.generated"                // definition, items
	ActionCampaignEmpty                  = "campaign.empty"                    // definition, items (0)
	ActionCampaignStageClosed            = "campaign.stage_closed"             // stage, default, counts, capped items
	ActionCampaignClosed                 = "campaign.closed"                   // stage, default, counts
	ActionCampaignCapEscalated           = "campaign.cap_escalated"            // stage, escalated, until
	ActionReviewDecided                  = "review.decided"                    // campaign, decision, justification, recommendation shown, issuer, subject
	ActionReviewRemediationFulfilled     = "review.remediation_fulfilled"      // campaign, adapter
	ActionReviewRemediationFailed        = "review.remediation_failed"         // campaign, adapter, error
	ActionReviewRemediationVerified      = "review.remediation_verified"       // campaign, sync run, at
	ActionReviewRemediationEscalated     = "review.remediation_escalated"      // campaign, kind
	ActionReviewRemediationNotVerifiable = "review.remediation_not_verifiable" // campaign, reason (no source of truth reports the access)
	ActionReviewUndone                   = "review.undone"                     // campaign, undone decision, decided by (back to undecided before the stage closes)
	// ActionCampaignPopulationEvaluated records the evaluation of a closing
	// campaign's scope against the data at its close, in the closing
	// transaction: the evidence workbook's Population after remediation.
	ActionCampaignPopulationEvaluated = "campaign.population_evaluated" // scope, rows, reviewed, not reviewed, revoked still held

	// API tokens, account links and operations.
	ActionTokenCreated   = "token.created"        // name, scopes, owner, expires, source
	ActionTokenRevoked   = "token.revoked"        // name
	ActionIdentityLinked = "auth.identity_linked" // issuer, subject, linked by, value
	ActionSyncRunPartial = "sync.run_partial"     // source, reason
	ActionJobsCanary     = "jobs.canary"          // job id, attempt, holder (the replica test's job)
)

// renamed maps names recorded by earlier versions to today's names.
var renamed = map[string]string{
	"nhi.owner-reassigned": ActionNHIOwnerReassigned,
	"auth.identity-linked": ActionIdentityLinked,
}

// vocabulary is every action Append accepts.
var vocabulary = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range []string{
		ActionPersonCreated, ActionPersonUpdated, ActionPersonLinked, ActionPersonUnlinked, ActionPersonStatusChanged, ActionJobFunctionChanged,
		ActionGroupCreated, ActionGroupUpdated, ActionGroupMembersChanged, ActionGroupDeleted,
		ActionNHICreated, ActionNHIUpdated, ActionNHIRetired, ActionNHIOwnerReassigned, ActionNHIOwnerWrittenBack, ActionNHIDisabled,
		ActionNHIFlaggedDisablement, ActionNHIFindingsReconciled, ActionNHIFindingAcknowledged,
		ActionNHITaskCreated, ActionNHITaskAccepted, ActionNHITaskCancelled, ActionNHITaskExpired,
		ActionProjectCreated, ActionProjectUpdated, ActionProjectExtended,
		ActionCatalogItemChanged, ActionCatalogChangeProposed, ActionCatalogChangeApproved, ActionCatalogChangeRejected,
		ActionRequestSubmitted, ActionRequestApprovedStage, ActionRequestDenied, ActionRequestEscalated, ActionRequestTimedOut,
		ActionRequestApproversChanged, ActionRequestRefusedOnRecheck, ActionRequestWithdrawn,
		ActionGrantCreated, ActionGrantExtended, ActionGrantImported, ActionGrantFulfillment, ActionGrantFulfillmentConfirmed,
		ActionGrantRefusedOnRecheck, ActionGrantRetried, ActionGrantEnded, ActionGrantRevoked, ActionGrantTakenBack,
		ActionGrantTakeBackFailed, ActionGrantCredentialRetrieved,
		ActionCampaignStarted, ActionCampaignGenerated, ActionCampaignEmpty, ActionCampaignStageClosed, ActionCampaignClosed,
		ActionCampaignCapEscalated, ActionCampaignPopulationEvaluated, ActionReviewDecided,
		ActionReviewRemediationFulfilled, ActionReviewRemediationFailed, ActionReviewRemediationVerified, ActionReviewRemediationEscalated,
		ActionReviewRemediationNotVerifiable, ActionReviewUndone,
		ActionTokenCreated, ActionTokenRevoked, ActionIdentityLinked, ActionSyncRunPartial, ActionJobsCanary,
		ActionSignedIn, ActionSignInRefused, ActionSignedOut, ActionSessionRevoked, ActionCSRFRefused, ActionAccessDenied,
		ActionTokenDenied, ActionRecordsDropped,
	} {
		if m[a] {
			panic("audit: action listed twice: " + a)
		}
		m[a] = true
	}
	return m
}()

// Known reports whether action is in the vocabulary (under today's name).
func Known(action string) bool { return vocabulary[action] }

// Canonical is today's name of an action recorded under an older one, and
// the name itself otherwise.
func Canonical(action string) string {
	if to, ok := renamed[action]; ok {
		return to
	}
	return action
}

// Aliases are the names an action may be stored under: today's and any
// older ones. Filters over stored events match all of them.
func Aliases(action string) []string {
	out := []string{Canonical(action)}
	for old, to := range renamed {
		if to == out[0] {
			out = append(out, old)
		}
	}
	slices.Sort(out[1:])
	return out
}

// Actions lists the vocabulary in name order, for filters and docs.
func Actions() []string {
	out := make([]string, 0, len(vocabulary))
	for a := range vocabulary {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func checkAction(a string) error {
	if !Known(a) {
		return fmt.Errorf("audit: action %q is not in the vocabulary (internal/audit/actions.go)", a)
	}
	return nil
}

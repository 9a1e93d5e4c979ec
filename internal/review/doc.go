// Package review runs recertification campaigns: definitions, the frozen
// population of review items with reviewers and recommendations,
// decisions, deadlines with the capped non-response default, remediation
// through the grant lifecycle and the NHI service, and its verification
// by the next sync. It is the only writer of campaigns and review items.
package review

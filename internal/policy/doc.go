// Package policy decides access requests: it compiles each catalog item's
// eligibility and auto-approval conditions (CEL, cel.dev/cel-go) once per
// catalog version, evaluates them over the requester, the beneficiary, the
// item, the beneficiary's grants and the request, and explains every
// decision in words. It is pure: data in, a decision out.
package policy

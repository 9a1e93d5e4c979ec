package audit

// Security actions: the audit vocabulary of syncd's own sign-in and
// authorization, in one place. Every one is recorded through Append (or
// the rate-limited recorder in package auth) into the hash chain.
//
//	auth.signed_in         a person signed in: issuer, subject, auth time, roles
//	auth.sign_in_refused   a sign-in failed or was refused: reason (forged state, unknown person, inactive, ...)
//	auth.signed_out        a person signed out (and whether the provider session was ended too)
//	auth.session_revoked   sessions and tokens ended by syncd: reason (status change, back-channel logout)
//	auth.csrf_refused      a state-changing request without the session's CSRF token
//	auth.access_denied     an authenticated caller asked for something the policy refuses: action, object
//	auth.token_denied      a bearer token was refused: reason (unknown, expired, revoked, scope)
//	auth.records_dropped   security events not recorded because a client exceeded the recording rate
const (
	ActionSignedIn       = "auth.signed_in"
	ActionSignInRefused  = "auth.sign_in_refused"
	ActionSignedOut      = "auth.signed_out"
	ActionSessionRevoked = "auth.session_revoked"
	ActionCSRFRefused    = "auth.csrf_refused"
	ActionAccessDenied   = "auth.access_denied"
	ActionTokenDenied    = "auth.token_denied"
	ActionRecordsDropped = "auth.records_dropped"
)

package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Why a sign-in links to no one.
var (
	ErrNoClaim   = errors.New("auth: the ID token lacks the linking claim")
	ErrNoPerson  = errors.New("auth: no person matches")
	ErrAmbiguous = errors.New("auth: several persons match")
	ErrNotActive = errors.New("auth: person is not active")
	// ErrEmailUnverified: linking by email, and the provider did not say
	// email_verified: true.
	ErrEmailUnverified = errors.New("auth: email not verified by the provider (email_verified)")
)

// emailVerified reads the email_verified claim (OIDC Core §5.1); some
// providers send it as a string.
func emailVerified(claims map[string]any) bool {
	switch v := claims["email_verified"].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// link returns the person behind (issuer, subject): the one linked before,
// or the one person whose LinkBy attribute equals the LinkClaim claim, in
// which case the link is recorded (with its audit event) for next time.
func (a *Auth) link(ctx context.Context, issuer, subject string, claims map[string]any) (store.Person, error) {
	var person store.Person
	err := a.store.InTx(ctx, func(tx store.Tx) error {
		now := a.now().UTC()
		id, err := tx.GetOIDCIdentity(ctx, issuer, subject)
		switch {
		case err == nil:
			if person, err = tx.GetPerson(ctx, id.PersonID); err != nil {
				return err
			}
			id.LastLoginAt = now
			_, err = tx.PutOIDCIdentity(ctx, id)
			if err != nil {
				return err
			}
		case errors.Is(err, store.ErrNotFound):
			value, _ := claims[a.cfg.LinkClaim].(string)
			value = strings.TrimSpace(value)
			if value == "" {
				return fmt.Errorf("%w %q", ErrNoClaim, a.cfg.LinkClaim)
			}
			key := store.MatchEmail
			if a.cfg.LinkBy == LinkByEmployeeNumber {
				key = store.MatchEmployeeNumber
			} else if !a.cfg.TrustUnverifiedEmail && !emailVerified(claims) {
				return ErrEmailUnverified
			}
			ps, err := tx.FindPersons(ctx, key, value)
			if err != nil {
				return err
			}
			switch len(ps) {
			case 0:
				return fmt.Errorf("%w %s %q", ErrNoPerson, key, value)
			case 1:
			default:
				return fmt.Errorf("%w %s %q", ErrAmbiguous, key, value)
			}
			person = ps[0]
			if _, err := tx.PutOIDCIdentity(ctx, store.OIDCIdentity{
				Issuer: issuer, Subject: subject, PersonID: person.ID, LinkedBy: string(key), LinkedValue: value,
				CreatedAt: now, LastLoginAt: now,
			}); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, tx, now, audit.Entry{
				Actor: "person:" + person.ID, Action: audit.ActionIdentityLinked, Target: "person:" + person.ID,
				Details: map[string]string{"issuer": issuer, "subject": subject, "linkedBy": string(key), "value": value},
			}); err != nil {
				return err
			}
		default:
			return err
		}
		if person.Status != store.StatusActive {
			return fmt.Errorf("%w (%s)", ErrNotActive, person.Status)
		}
		return nil
	})
	if err != nil {
		return store.Person{}, fmt.Errorf("auth: link %s|%s: %w", issuer, subject, err)
	}
	return person, nil
}

// linkFailed explains a sign-in that reaches no one.
func (a *Auth) linkFailed(w http.ResponseWriter, r *http.Request, ids map[string]string, err error) {
	a.logger.Warn("sign-in not linked to a person", "err", err)
	refuse := func(reason string, status int, title, detail string) {
		a.refuse(w, r, reason, ids, status, title, detail)
	}
	switch {
	case errors.Is(err, ErrEmailUnverified):
		refuse("email_verified is not true and linking is by email", http.StatusForbidden, "Signed in, but not linked", "Your identity provider did not confirm your email address is verified, so syncd cannot link your account by it. Ask an administrator.")
	case errors.Is(err, ErrNoClaim):
		refuse("linking claim missing", http.StatusForbidden, "Signed in, but not linked", fmt.Sprintf("Your identity provider did not send the %q claim syncd links people by. Ask an administrator to check the OIDC configuration.", a.cfg.LinkClaim))
	case errors.Is(err, ErrNoPerson):
		refuse("no person matches", http.StatusForbidden, "Signed in, but not linked", "You signed in successfully, but syncd has no person record matching your account yet. People appear once HR or the directory has synchronised them; ask an administrator if this persists.")
	case errors.Is(err, ErrAmbiguous):
		refuse("several persons match", http.StatusForbidden, "Signed in, but not linked", "More than one person in syncd matches your account, so syncd cannot tell which is you. Ask an administrator to resolve the duplicate.")
	case errors.Is(err, ErrNotActive):
		refuse("person not active", http.StatusForbidden, "Account not active", "Your person record in syncd is not active, so you cannot sign in.")
	default:
		a.fail(w, r, http.StatusServiceUnavailable, "Sign-in is unavailable", "syncd could not look up your account. Try again in a moment.")
	}
}

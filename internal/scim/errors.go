package scim

import (
	"context"
	"errors"
	"net/http"

	scimerr "github.com/elimity-com/scim/errors"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

func notFound(kind, id string) error {
	return scimerr.ScimError{Status: http.StatusNotFound, Detail: kind + " " + id + " not found"}
}

func conflict(detail string) error {
	return scimerr.ScimError{ScimType: scimerr.ScimTypeUniqueness, Status: http.StatusConflict, Detail: detail}
}

// fail maps an error to what the client sees. SCIM errors pass; identity
// rejections become 400/404/409 with their reason; store failures are
// logged with the request id and answered with a generic 500 or 503 (the
// detail never carries SQL or driver text).
func (s *Server) fail(ctx context.Context, rq *request, what string, err error) error {
	var se scimerr.ScimError
	if errors.As(err, &se) {
		return se
	}
	var rej *identity.RejectedError
	if errors.As(err, &rej) {
		switch {
		case errors.Is(err, identity.ErrInvalid):
			return invalidValue("%s", rej.Rejected.Reason)
		case errors.Is(err, identity.ErrNotLinked):
			return scimerr.ScimError{Status: http.StatusNotFound, Detail: rej.Rejected.Reason}
		default: // ErrAmbiguous, ErrLinkConflict
			return conflict(rej.Rejected.Reason)
		}
	}
	if errors.Is(err, store.ErrConflict) {
		return conflict(what + ": a resource with the same unique values exists")
	}
	s.Logger.ErrorContext(ctx, "scim: "+what, "request_id", rq.id, "source", rq.source, "err", err)
	rq.failed = statusForStore(err)
	return scimerr.ScimErrorInternal
}

package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// wireConn is a bound connection on which syncd runs its searches and
// decodes their entries itself (decode.go). Requests, results and
// controls are still encoded and decoded by go-ldap and go-asn1-ber; only
// SearchResultEntry, which is nearly every byte a pull reads, is not.
// go-ldap's Conn is kept for everything else (writes, the disable
// lookups). A wireConn is used by one goroutine at a time; a search may
// run another inside its callback (AD's ranged reads of a group's
// members), whose messages are told apart by message ID.
type wireConn struct {
	nc      net.Conn
	timeout time.Duration
	buf     []byte // buf[off:] is read and not yet consumed
	off     int
	nextID  int64
	names   attrNames
	queued  map[int64][][]byte // messages of a search waiting while another one is read
	broken  error              // set once the stream can no longer be trusted

	mu   sync.Mutex // guards dead against the deadline a read sets
	dead bool       // a context was cancelled: every read fails at once
}

const readChunk = 64 << 10

var errCancelled = errors.New("ldap: search cancelled")

// dialWire connects to c.URL with c's TLS options and timeouts and binds
// as c.BindDN. Its failures are classified as dialConfig's are.
func dialWire(ctx context.Context, c Config) (*wireConn, error) {
	tlsCfg, err := tlsConfig(c)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, classify(c.Name, "connect to "+c.URL, goldap.NewError(goldap.ErrorNetwork, err))
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, port = u.Host, goldap.DefaultLdapPort
		if u.Scheme == "ldaps" {
			port = goldap.DefaultLdapsPort
		}
	}
	d := &net.Dialer{Timeout: c.DialTimeout}
	var nc net.Conn
	switch u.Scheme {
	case "ldap":
		nc, err = d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	case "ldaps":
		td := &tls.Dialer{NetDialer: d, Config: tlsCfg}
		nc, err = td.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	default:
		err = fmt.Errorf("unknown scheme %q", u.Scheme)
	}
	if err != nil {
		return nil, classify(c.Name, "connect to "+c.URL, goldap.NewError(goldap.ErrorNetwork, err))
	}
	w := &wireConn{nc: nc, timeout: c.Timeout, names: attrNames{}, buf: make([]byte, 0, readChunk)}
	if c.StartTLS {
		if err := w.startTLS(ctx, tlsCfg); err != nil {
			w.Close()
			return nil, classify(c.Name, "StartTLS", err)
		}
	}
	if err := w.bind(ctx, c.BindDN, c.BindPassword); err != nil {
		w.Close()
		return nil, classify(c.Name, fmt.Sprintf("bind as %q", c.BindDN), err)
	}
	return w, nil
}

// Close ends the session (an unbind, best effort) and the connection.
func (w *wireConn) Close() error {
	if w.broken == nil {
		unbind := ber.Encode(ber.ClassApplication, ber.TypePrimitive, goldap.ApplicationUnbindRequest, nil, "Unbind Request")
		_, _ = w.send(unbind, nil)
	}
	return w.nc.Close()
}

// startTLS runs the StartTLS extended operation (RFC 4511 §4.14) and
// continues on TLS.
func (w *wireConn) startTLS(ctx context.Context, cfg *tls.Config) error {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationExtendedRequest, nil, "Start TLS")
	op.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, "1.3.6.1.4.1.1466.20037", "TLS Extended Command"))
	if _, err := w.call(ctx, op, goldap.ApplicationExtendedResponse); err != nil {
		return err
	}
	if w.off != len(w.buf) {
		return goldap.NewError(goldap.ErrorNetwork, errors.New("ldap: data after the StartTLS response"))
	}
	tc := tls.Client(w.nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return goldap.NewError(goldap.ErrorNetwork, fmt.Errorf("TLS handshake failed: %w", err))
	}
	w.nc = tc
	return nil
}

// bind is a simple bind; like go-ldap's Bind, it refuses an empty
// password (which would be an unauthenticated bind, RFC 4513 §5.1.2).
func (w *wireConn) bind(ctx context.Context, dn, password string) error {
	if password == "" {
		return goldap.NewError(goldap.ErrorEmptyPassword, errors.New("ldap: empty password not allowed by the client"))
	}
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationBindRequest, nil, "Bind Request")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, "Version"))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "User Name"))
	op.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, password, "Password"))
	_, err := w.call(ctx, op, goldap.ApplicationBindResponse)
	return err
}

// call sends op and reads its one response, which must be of kind want
// and succeed.
func (w *wireConn) call(ctx context.Context, op *ber.Packet, want uint8) (*ber.Packet, error) {
	id, err := w.send(op, nil)
	if err != nil {
		return nil, err
	}
	defer w.watch(ctx)()
	msg, err := w.await(id)
	if err != nil {
		return nil, w.fail(ctx, err)
	}
	p, err := ber.DecodePacketErr(msg)
	if err != nil {
		return nil, w.fail(ctx, goldap.NewError(goldap.ErrorNetwork, err))
	}
	if len(p.Children) < 2 || p.Children[1].ClassType != ber.ClassApplication || uint8(p.Children[1].Tag) != want {
		return nil, w.fail(ctx, goldap.NewError(goldap.ErrorUnexpectedResponse, errors.New("ldap: unexpected response")))
	}
	return p, goldap.GetLDAPError(p)
}

// page runs one search request and calls fn for each entry it returns,
// in order; it returns the controls of the final result (the paging
// cookie). When fn fails, the rest of the response is read and dropped
// and fn's error returned.
func (w *wireConn) page(ctx context.Context, req *goldap.SearchRequest, fn func(entry) error) ([]goldap.Control, error) {
	op, err := searchOp(req)
	if err != nil {
		return nil, err
	}
	id, err := w.send(op, req.Controls)
	if err != nil {
		return nil, err
	}
	defer w.watch(ctx)()
	var fnErr error
	for {
		msg, err := w.await(id)
		if err != nil {
			if fnErr != nil {
				return nil, fnErr
			}
			return nil, w.fail(ctx, err)
		}
		_, tag, content, err := envelope(msg)
		if err != nil {
			return nil, w.fail(ctx, goldap.NewError(goldap.ErrorNetwork, err))
		}
		switch tag {
		case tagEntry:
			if fnErr != nil {
				continue
			}
			e, err := decodeEntry(content, w.names)
			if err != nil {
				return nil, w.fail(ctx, goldap.NewError(goldap.ErrorNetwork, err))
			}
			fnErr = fn(e)
		case 0x60 | goldap.ApplicationSearchResultDone:
			p, err := ber.DecodePacketErr(msg)
			if err != nil {
				return nil, w.fail(ctx, goldap.NewError(goldap.ErrorNetwork, err))
			}
			if fnErr != nil {
				return nil, fnErr
			}
			if err := goldap.GetLDAPError(p); err != nil {
				return nil, err
			}
			var controls []goldap.Control
			if len(p.Children) > 2 {
				for _, c := range p.Children[2].Children {
					ctl, err := goldap.DecodeControl(c)
					if err != nil {
						return nil, fmt.Errorf("ldap: decode control: %w", err)
					}
					controls = append(controls, ctl)
				}
			}
			return controls, nil
		case 0x60 | goldap.ApplicationSearchResultReference, 0x60 | goldap.ApplicationIntermediateResponse:
			// Continuation references are not followed (go-ldap's did
			// not either); intermediate responses carry nothing a plain
			// paged search asks for.
		default:
			return nil, w.fail(ctx, goldap.NewError(goldap.ErrorUnexpectedResponse, fmt.Errorf("ldap: unexpected response tag %#x to a search", tag)))
		}
	}
}

// searchOp encodes a SearchRequest (RFC 4511 §4.5.1) as go-ldap does.
func searchOp(req *goldap.SearchRequest) (*ber.Packet, error) {
	filter, err := goldap.CompileFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchRequest, nil, "Search Request")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, req.BaseDN, "Base DN"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, uint64(req.Scope), "Scope"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, uint64(req.DerefAliases), "Deref Aliases"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, uint64(req.SizeLimit), "Size Limit"))
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, uint64(req.TimeLimit), "Time Limit"))
	op.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, req.TypesOnly, "Types Only"))
	op.AppendChild(filter)
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for _, a := range req.Attributes {
		attrs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a, "Attribute"))
	}
	op.AppendChild(attrs)
	return op, nil
}

// send writes op as the next message, with controls, and returns its ID.
func (w *wireConn) send(op *ber.Packet, controls []goldap.Control) (int64, error) {
	if w.broken != nil {
		return 0, w.broken
	}
	w.nextID++
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, w.nextID, "MessageID"))
	msg.AppendChild(op)
	if len(controls) > 0 {
		cs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		for _, c := range controls {
			cs.AppendChild(c.Encode())
		}
		msg.AppendChild(cs)
	}
	if w.timeout > 0 {
		_ = w.nc.SetWriteDeadline(time.Now().Add(w.timeout))
	}
	if _, err := w.nc.Write(msg.Bytes()); err != nil {
		w.broken = goldap.NewError(goldap.ErrorNetwork, err)
		return 0, w.broken
	}
	return w.nextID, nil
}

// watch makes reads fail at once when ctx is cancelled; the connection
// is then unusable. The returned function stops watching.
func (w *wireConn) watch(ctx context.Context) func() {
	stop := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.dead = true
		_ = w.nc.SetReadDeadline(time.Unix(1, 0))
	})
	return func() { stop() }
}

// fail marks the connection broken by err, or by ctx's cancellation
// when that is what stopped the read.
func (w *wireConn) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if w.broken == nil {
		w.broken = err
	}
	return err
}

// await returns the next message for the request id; messages of other
// requests still being read are kept for them. The message is valid until
// the next read.
func (w *wireConn) await(id int64) ([]byte, error) {
	if q := w.queued[id]; len(q) > 0 {
		msg := q[0]
		w.queued[id] = q[1:]
		return msg, nil
	}
	for {
		msg, err := w.next()
		if err != nil {
			return nil, err
		}
		got, tag, _, err := envelope(msg)
		if err != nil {
			return nil, goldap.NewError(goldap.ErrorNetwork, err)
		}
		switch {
		case got == id:
			return msg, nil
		case got == 0: // an unsolicited notification: the server ends the session
			err := errors.New("ldap: the server ended the session")
			if p, perr := ber.DecodePacketErr(msg); perr == nil {
				if lerr := goldap.GetLDAPError(p); lerr != nil {
					err = lerr
				}
			}
			_ = tag
			return nil, goldap.NewError(goldap.ErrorNetwork, err)
		case got > 0 && got < id:
			if w.queued == nil {
				w.queued = map[int64][][]byte{}
			}
			w.queued[got] = append(w.queued[got], append([]byte(nil), msg...))
		default:
			return nil, goldap.NewError(goldap.ErrorUnexpectedResponse, fmt.Errorf("ldap: response to unknown message %d", got))
		}
	}
}

// next reads the next LDAPMessage, tag and length included. It is valid
// until the next call.
func (w *wireConn) next() ([]byte, error) {
	if err := w.fill(2); err != nil {
		return nil, err
	}
	if first := w.buf[w.off+1]; first > 0x80 {
		if err := w.fill(2 + int(first&0x7f)); err != nil {
			return nil, err
		}
	}
	n, hdr, err := length(w.buf[w.off+1 : len(w.buf)])
	if err != nil {
		return nil, goldap.NewError(goldap.ErrorNetwork, err)
	}
	total := 1 + hdr + n
	if err := w.fill(total); err != nil {
		return nil, err
	}
	msg := w.buf[w.off : w.off+total : w.off+total]
	w.off += total
	return msg, nil
}

// fill reads until need bytes are buffered past off.
func (w *wireConn) fill(need int) error {
	have := len(w.buf) - w.off
	if have >= need {
		return nil
	}
	if cap(w.buf)-w.off < need || w.off > 0 {
		size := cap(w.buf)
		if size < need {
			size = need + readChunk
		} else if size > 16*readChunk && need <= readChunk {
			size = readChunk // give back what a very large entry took
		}
		buf := w.buf
		if size != cap(w.buf) {
			buf = make([]byte, 0, size)
		}
		w.buf = append(buf[:0], w.buf[w.off:]...)
		w.off = 0
	}
	for len(w.buf) < need {
		if err := w.deadline(); err != nil {
			return err
		}
		n, err := w.nc.Read(w.buf[len(w.buf):cap(w.buf)])
		w.buf = w.buf[:len(w.buf)+n]
		if err != nil && len(w.buf) < need {
			return goldap.NewError(goldap.ErrorNetwork, err)
		}
	}
	return nil
}

// deadline sets the read deadline of the next read, unless a cancelled
// context has already set one in the past.
func (w *wireConn) deadline() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead {
		return errCancelled
	}
	if w.timeout > 0 {
		_ = w.nc.SetReadDeadline(time.Now().Add(w.timeout))
	}
	return nil
}

package smtpsink

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/mail"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the sink accepted.
type Message struct {
	From       string
	To         []string
	Data       []byte // as received, headers and body
	Header     mail.Header
	Body       []byte
	User       string // who authenticated, "" without AUTH
	TLS        bool   // sent after STARTTLS
	ReceivedAt time.Time
}

// Subject is the message's Subject header, decoded.
func (m Message) Subject() string {
	s, err := new(mimeDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return m.Header.Get("Subject")
	}
	return s
}

// Options configure a sink. The zero value accepts any message without
// authentication or TLS on a free loopback port.
type Options struct {
	// Addr is where to listen; "127.0.0.1:0" when empty.
	Addr string
	// Username and Password, when set, make AUTH PLAIN required.
	Username, Password string
	// STARTTLS offers STARTTLS with a self-signed certificate for
	// 127.0.0.1 (trust it through Sink.RootCAs).
	STARTTLS bool
	// Keep is how many messages are kept, the newest; 1000 when 0.
	Keep int
}

// Sink is a running SMTP server.
type Sink struct {
	Addr string
	// RootCAs trusts the sink's certificate (STARTTLS).
	RootCAs *x509.CertPool

	opts   Options
	srv    *smtp.Server
	done   chan struct{}
	mu     sync.Mutex
	msgs   []Message
	notify chan struct{}
}

// Start listens and serves until Close.
func Start(o Options) (*Sink, error) {
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: listen %s: %w", addr, err)
	}
	s := &Sink{Addr: ln.Addr().String(), opts: o, done: make(chan struct{}), notify: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{sink: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if o.STARTTLS {
		cfg, pool, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		srv.TLSConfig, s.RootCAs = cfg, pool
	} else {
		// Loopback only: plain AUTH is acceptable on 127.0.0.1.
		srv.AllowInsecureAuth = true
	}
	s.srv = srv
	go func() {
		defer close(s.done)
		_ = srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits for it.
func (s *Sink) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Messages returns the messages received so far, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns once at least n messages arrived, or ctx ends.
func (s *Sink) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		if ms := s.Messages(); len(ms) >= n {
			return ms, nil
		}
		select {
		case <-ctx.Done():
			return s.Messages(), fmt.Errorf("smtpsink: %d message(s) wanted: %w", n, ctx.Err())
		case <-s.notify:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Sink) add(m Message) {
	keep := s.opts.Keep
	if keep <= 0 {
		keep = 1000
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	if len(s.msgs) > keep {
		s.msgs = append([]Message(nil), s.msgs[len(s.msgs)-keep:]...)
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

type session struct {
	sink *Sink
	conn *smtp.Conn
	msg  Message
}

func (x *session) AuthMechanisms() []string {
	if x.sink.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.sink.opts.Username || password != x.sink.opts.Password {
			return errors.New("smtpsink: invalid credentials")
		}
		x.msg.User = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.sink.opts.Username != "" && x.msg.User == "" {
		return smtp.ErrAuthRequired
	}
	x.msg.From = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.msg.To = append(x.msg.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := x.msg
	m.Data, m.ReceivedAt = b, time.Now().UTC()
	_, m.TLS = x.conn.TLSConnectionState()
	if parsed, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		m.Header = parsed.Header
		m.Body, _ = io.ReadAll(parsed.Body)
	}
	x.sink.add(m)
	return nil
}

func (x *session) Reset() {
	user := x.msg.User
	x.msg = Message{User: user}
}

func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("smtpsink: key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtpsink"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("smtpsink: certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("smtpsink: certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, pool, nil
}

package ldap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

type testAttr struct {
	name string
	vals [][]byte
}

// entryMessage encodes a SearchResultEntry message with go-asn1-ber, the
// encoder slapd's responses are checked against in the tests below.
func entryMessage(id int64, dn string, attrs []testAttr) []byte {
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchResultEntry, nil, "")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, ""))
	list := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	for _, a := range attrs {
		seq := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
		seq.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a.name, ""))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
		for _, v := range a.vals {
			set.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(v), ""))
		}
		seq.AppendChild(set)
		list.AppendChild(seq)
	}
	op.AppendChild(list)
	msg.AppendChild(op)
	return msg.Bytes()
}

// reference decodes msg with go-asn1-ber the way go-ldap's
// decodeSearchResultEntry and reduce did: ok is false when it cannot.
func reference(msg []byte) (entry, bool) {
	p, err := ber.DecodePacketErr(msg)
	if err != nil || len(p.Children) < 2 {
		return entry{}, false
	}
	op := p.Children[1]
	if op.ClassType != ber.ClassApplication || op.Tag != goldap.ApplicationSearchResultEntry || len(op.Children) < 2 {
		return entry{}, false
	}
	e := entry{DN: string(op.Children[0].ByteValue), Attrs: map[string][][]byte{}}
	for _, a := range op.Children[1].Children {
		if len(a.Children) < 2 {
			return entry{}, false
		}
		vals := [][]byte{}
		for _, v := range a.Children[1].Children {
			vals = append(vals, v.ByteValue)
		}
		e.Attrs[strings.ToLower(string(a.Children[0].ByteValue))] = vals
	}
	return e, true
}

func decodeMessage(msg []byte) (int64, entry, error) {
	id, tag, content, err := envelope(msg)
	if err != nil {
		return 0, entry{}, err
	}
	if tag != tagEntry {
		return 0, entry{}, fmt.Errorf("tag %#x", tag)
	}
	e, err := decodeEntry(content, attrNames{})
	return id, e, err
}

// normal makes empty value lists and values comparable.
func normal(e entry) entry {
	out := entry{DN: e.DN, Attrs: map[string][][]byte{}}
	for k, vs := range e.Attrs {
		n := [][]byte{}
		for _, v := range vs {
			n = append(n, append([]byte{}, v...))
		}
		out.Attrs[k] = n
	}
	return out
}

func sampleEntries() []struct {
	id    int64
	dn    string
	attrs []testAttr
} {
	long := bytes.Repeat([]byte("x"), 70000) // a three-byte length
	return []struct {
		id    int64
		dn    string
		attrs []testAttr
	}{
		{1, "uid=ana,ou=people,dc=example,dc=org", []testAttr{
			{"uid", [][]byte{[]byte("ana")}},
			{"cn", [][]byte{[]byte("Ana Ñúñez")}},
			{"entryUUID", [][]byte{[]byte("6a1c3e2a-1d2b-103f-8b3e-8d3f1b0a6b11")}},
		}},
		{2, "", nil},
		{127, "cn=x", []testAttr{{"objectGUID", [][]byte{{0, 1, 2, 0xff, 0x80, 0x30, 0x04}}}}},
		{128, "cn=empty", []testAttr{{"description", nil}, {"mail", [][]byte{{}}}}},
		{70000, "cn=big", []testAttr{{"member", [][]byte{long, []byte("uid=b"), long[:200]}}}},
		{1 << 30, "cn=dup", []testAttr{{"CN", [][]byte{[]byte("one")}}, {"cn", [][]byte{[]byte("two"), []byte("three")}}}},
	}
}

// TestDecodeEntryMatchesGoASN1BER decodes entries of every shape (long
// lengths, binary and empty values, repeated and mixed-case names) and
// compares with go-asn1-ber's reading of the same bytes.
func TestDecodeEntryMatchesGoASN1BER(t *testing.T) {
	for _, s := range sampleEntries() {
		msg := entryMessage(s.id, s.dn, s.attrs)
		id, got, err := decodeMessage(msg)
		if err != nil {
			t.Fatalf("%s: %v", s.dn, err)
		}
		want, ok := reference(msg)
		if !ok {
			t.Fatalf("%s: go-asn1-ber cannot read it", s.dn)
		}
		if id != s.id {
			t.Errorf("%s: message id %d, want %d", s.dn, id, s.id)
		}
		if !reflect.DeepEqual(normal(got), normal(want)) {
			t.Errorf("%s: decoded\n%v\nwant\n%v", s.dn, got, want)
		}
		// Values do not alias the message.
		for i := range msg {
			msg[i] = 0
		}
		if !reflect.DeepEqual(normal(got), normal(want)) {
			t.Errorf("%s: values changed with the message buffer", s.dn)
		}
	}
}

// TestDecodeEntryRejectsMalformed: truncations, indefinite lengths,
// multi-byte tags, wrong element types.
func TestDecodeEntryRejectsMalformed(t *testing.T) {
	good := entryMessage(5, "cn=a", []testAttr{{"cn", [][]byte{[]byte("a")}}})
	for n := range len(good) {
		if _, _, err := decodeMessage(good[:n]); err == nil {
			t.Errorf("truncated to %d bytes: decoded", n)
		}
	}
	for name, msg := range map[string][]byte{
		"indefinite length": {0x30, 0x80, 0x02, 0x01, 0x01, 0x64, 0x00, 0x00, 0x00},
		"multi-byte tag":    {0x30, 0x05, 0x02, 0x01, 0x01, 0x7f, 0x00},
		"five-byte length":  {0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00},
		"over the limit":    {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff},
		"name not a string": {0x30, 0x0b, 0x02, 0x01, 0x01, 0x64, 0x06, 0x02, 0x01, 0x00, 0x30, 0x00, 0x00},
	} {
		if _, _, err := decodeMessage(msg); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	// A value that is not an OCTET STRING.
	bad := entryMessage(1, "cn=a", []testAttr{{"cn", [][]byte{[]byte("a")}}})
	i := bytes.LastIndex(bad, []byte{0x04, 0x01, 'a'})
	bad[i] = 0x02
	if _, _, err := decodeMessage(bad); err == nil {
		t.Error("a value tagged INTEGER: decoded")
	}
}

// FuzzDecodeEntry: the decoder never panics, and whatever it accepts
// go-asn1-ber reads the same way. Its corpus is in testdata/fuzz.
func FuzzDecodeEntry(f *testing.F) {
	for _, s := range sampleEntries() {
		if len(s.attrs) > 0 && len(s.attrs[0].vals) > 0 && len(s.attrs[0].vals[0]) > 1000 {
			continue
		}
		f.Add(entryMessage(s.id, s.dn, s.attrs))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		_, got, err := decodeMessage(msg)
		if err != nil {
			return
		}
		want, ok := reference(msg)
		if !ok {
			t.Fatalf("decoded %v; go-asn1-ber cannot read it", got)
		}
		if !reflect.DeepEqual(normal(got), normal(want)) {
			t.Fatalf("decoded\n%v\ngo-asn1-ber\n%v", got, want)
		}
	})
}

// server is a scripted LDAP server on one end of a pipe: for each request
// it reads, it writes what respond returns, in chunks of chunk bytes.
func server(t *testing.T, chunk int, respond func(id int64, req *ber.Packet) [][]byte) *wireConn {
	t.Helper()
	client, srv := net.Pipe()
	t.Cleanup(func() { client.Close(); srv.Close() })
	// Requests are read while responses are written, as a server does.
	responses := make(chan []byte, 16)
	go func() {
		defer close(responses)
		for {
			req, err := ber.ReadPacket(srv)
			if err != nil {
				return
			}
			id := req.Children[0].Value.(int64)
			var out []byte
			for _, m := range respond(id, req) {
				out = append(out, m...)
			}
			responses <- out
		}
	}()
	go func() {
		for out := range responses {
			for len(out) > 0 {
				n := min(chunk, len(out))
				if _, err := srv.Write(out[:n]); err != nil {
					return
				}
				out = out[n:]
			}
		}
	}()
	return &wireConn{nc: client, names: attrNames{}}
}

func doneMessage(id int64, code int, cookie string) []byte {
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchResultDone, nil, "")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, ""))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	msg.AppendChild(op)
	if cookie != "" {
		paging := goldap.NewControlPaging(10)
		paging.SetCookie([]byte(cookie))
		cs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "")
		cs.AppendChild(paging.Encode())
		msg.AppendChild(cs)
	}
	return msg.Bytes()
}

// TestWirePagesAcrossChunks reads pages whose messages arrive split at
// every size, among them one larger than the read buffer, and a search
// run inside another's callback (AD's ranged reads), whose messages
// interleave with the outer one's.
func TestWirePagesAcrossChunks(t *testing.T) {
	big := bytes.Repeat([]byte("m"), 3*readChunk)
	for _, chunk := range []int{1, 7, 100, 4096, 1 << 20} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			w := server(t, chunk, func(id int64, req *ber.Packet) [][]byte {
				base := req.Children[1].Children[0].Value.(string)
				if base == "cn=inner" {
					return [][]byte{entryMessage(id, "cn=inner", []testAttr{{"member", [][]byte{[]byte("x")}}}), doneMessage(id, 0, "")}
				}
				// The outer search's entries come after the inner
				// request was sent, as a server streams them.
				return [][]byte{
					entryMessage(id, "cn=one", []testAttr{{"cn", [][]byte{[]byte("one")}}}),
					entryMessage(id, "cn=two", []testAttr{{"member", [][]byte{big, []byte("b")}}}),
					doneMessage(id, 0, "next"),
				}
			})
			var seen []string
			req := goldap.NewSearchRequest("ou=x", goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, []goldap.Control{goldap.NewControlPaging(10)})
			controls, err := w.page(context.Background(), req, func(e entry) error {
				seen = append(seen, e.DN)
				if e.DN == "cn=two" {
					if !bytes.Equal(e.values("member")[0], big) {
						t.Error("large value garbled")
					}
					inner := goldap.NewSearchRequest("cn=inner", goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil)
					if _, err := w.page(context.Background(), inner, func(e entry) error { seen = append(seen, e.DN); return nil }); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"cn=one", "cn=two", "cn=inner"}; !reflect.DeepEqual(seen, want) {
				t.Errorf("entries %v, want %v", seen, want)
			}
			pc, ok := goldap.FindControl(controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
			if !ok || string(pc.Cookie) != "next" {
				t.Errorf("controls %v, want the paging cookie", controls)
			}
		})
	}
}

// TestWireSearchErrors: a failed result is go-ldap's error with its code;
// a callback's error is returned after the rest of the page is read, and
// the connection stays usable.
func TestWireSearchErrors(t *testing.T) {
	w := server(t, 4096, func(id int64, req *ber.Packet) [][]byte {
		if req.Children[1].Children[0].Value.(string) == "ou=gone" {
			return [][]byte{doneMessage(id, goldap.LDAPResultNoSuchObject, "")}
		}
		return [][]byte{entryMessage(id, "cn=a", nil), entryMessage(id, "cn=b", nil), doneMessage(id, 0, "")}
	})
	search := func(base string, fn func(entry) error) error {
		req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil)
		_, err := w.page(context.Background(), req, fn)
		return err
	}
	if err := search("ou=gone", func(entry) error { return nil }); !goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
		t.Errorf("error %v, want noSuchObject", err)
	}
	stop := errors.New("stop")
	calls := 0
	if err := search("ou=x", func(entry) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("error %v after %d calls, want the callback's after 1", err, calls)
	}
	n := 0
	if err := search("ou=x", func(entry) error { n++; return nil }); err != nil || n != 2 {
		t.Errorf("next search: %v, %d entries, want 2", err, n)
	}
}

// TestWireCancel: a cancelled context stops a read that waits on a
// server that says nothing.
func TestWireCancel(t *testing.T) {
	w := server(t, 4096, func(int64, *ber.Packet) [][]byte { return nil })
	ctx, cancel := context.WithCancel(context.Background())
	req := goldap.NewSearchRequest("ou=x", goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil)
	done := make(chan error)
	go func() {
		_, err := w.page(ctx, req, func(entry) error { return nil })
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

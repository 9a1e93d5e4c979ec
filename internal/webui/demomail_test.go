package webui

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestDemoMailPageRenders: the demo-only page's template parses from the
// embedded templates and escapes the mail it shows.
func TestDemoMailPageRenders(t *testing.T) {
	tmpl, err := demoMailTemplate()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	data := demoMailPage{Page: Page{Title: "Demo mail", Nav: "demomail"}, Mail: []DemoMail{{
		At: time.Now(), From: "syncd <syncd@demo.invalid>", To: []string{"max@example.com"},
		Subject: "Approval needed: <script>x</script>", Text: "Open the request: http://127.0.0.1:8080/requests/1",
	}}}
	if err := tmpl.ExecuteTemplate(&buf, "layout", data); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "Approval needed: &lt;script&gt;x&lt;/script&gt;") || strings.Contains(out, "<script>x") ||
		!strings.Contains(out, "max@example.com") || !strings.Contains(out, "/requests/1") {
		t.Fatalf("page:\n%s", out)
	}
}

package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
)

// Chat is the chat channel: an incoming webhook of a team channel (Slack,
// or Microsoft Teams), one message per digest naming the person it is for.
type Chat struct {
	// URL is the incoming webhook's address (a secret: from the
	// environment or a file).
	URL string
	// Format is "slack" ({"text": …} with Slack's mrkdwn) or "teams" (a
	// MessageCard with an open-link action).
	Format string
	// Kinds limits the channel to these kinds; all when empty.
	Kinds  []string
	Client *http.Client
}

// Name is "chat".
func (c *Chat) Name() string { return "chat" }

// Accepts reports whether kind is posted to chat.
func (c *Chat) Accepts(kind string) bool { return len(c.Kinds) == 0 || slices.Contains(c.Kinds, kind) }

// Send posts m. A 4xx answer other than 429 is permanent (the webhook is
// gone or the payload refused); 429, 5xx and transport errors are retried.
func (c *Chat) Send(ctx context.Context, m Message) error {
	body, err := c.payload(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: chat webhook: %w", jobs.ErrPermanent)
	}
	req.Header.Set("Content-Type", "application/json")
	cl := c.Client
	if cl == nil {
		cl = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := cl.Do(req)
	if err != nil {
		// The URL is a secret: report the cause without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("notify: chat webhook: post failed: %s", oneLine(err.Error()))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("notify: chat webhook: %s: %s", resp.Status, oneLine(string(snippet)))
	}
	return fmt.Errorf("notify: chat webhook: %s: %s: %w", resp.Status, oneLine(string(snippet)), jobs.ErrPermanent)
}

func (c *Chat) payload(m Message) ([]byte, error) {
	var lines []string
	if c.Format == "teams" {
		esc := teamsEscape
		lines = append(lines, "For "+esc(m.To.Name)+": "+esc(m.Intro), "")
		for _, it := range m.Items {
			lines = append(lines, "- "+esc(it.Text))
		}
		if m.More > 0 {
			lines = append(lines, fmt.Sprintf("- and %d more", m.More))
		}
		return json.Marshal(map[string]any{
			"@type": "MessageCard", "@context": "https://schema.org/extensions",
			"summary": oneLine(m.Title), "title": esc(oneLine(m.Title)), "text": strings.Join(lines, "\n\n"),
			"potentialAction": []any{map[string]any{
				"@type": "OpenUri", "name": m.LinkLabel,
				"targets": []any{map[string]string{"os": "default", "uri": m.Link}},
			}},
		})
	}
	esc := slackEscape
	lines = append(lines, "*"+esc(oneLine(m.Title))+"*", "For "+esc(m.To.Name)+": "+esc(m.Intro))
	for _, it := range m.Items {
		lines = append(lines, "• "+esc(it.Text))
	}
	if m.More > 0 {
		lines = append(lines, fmt.Sprintf("• and %d more", m.More))
	}
	lines = append(lines, "<"+slackURL(m.Link)+"|"+esc(m.LinkLabel)+">")
	return json.Marshal(map[string]string{"text": strings.Join(lines, "\n")})
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to (&, <, >): a name cannot become a link or a mention.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(oneLine(s))
}

// slackURL keeps a link from closing Slack's <url|label> early.
func slackURL(u string) string {
	return strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C", " ", "%20").Replace(oneLine(u))
}

// teamsEscape neutralises Markdown and HTML in Teams' text.
func teamsEscape(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '!', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

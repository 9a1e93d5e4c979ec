package metrics_test

import (
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/metrics"
)

// TestNotificationChannelsAtZero: configured channels are scraped at 0
// before any delivery, then count deliveries.
func TestNotificationChannelsAtZero(t *testing.T) {
	m := metrics.New(metrics.Gauges{})
	m.NotificationChannels("email", "chat")
	_, body := scrape(t, m.Handler(""), "")
	for _, want := range []string{
		`syncd_notification_deliveries_total{channel="email",result="ok"} 0`,
		`syncd_notification_deliveries_total{channel="chat",result="failed"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	m.NotificationDelivered("email", "ok")
	if _, body = scrape(t, m.Handler(""), ""); !strings.Contains(body, `syncd_notification_deliveries_total{channel="email",result="ok"} 1`) {
		t.Error("a delivery is not counted")
	}
}

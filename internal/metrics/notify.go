package metrics

// notificationResults are the results internal/notify reports.
var notificationResults = []string{"ok", "retry", "failed", "dropped"}

// NotificationChannels exposes the delivery counters of the configured
// channels at 0, so syncd_notification_deliveries_total is scraped (and
// rate() and increase() work) before the first delivery.
func (m *Metrics) NotificationChannels(channels ...string) {
	for _, ch := range channels {
		for _, r := range notificationResults {
			m.notifications.WithLabelValues(ch, r)
		}
	}
}

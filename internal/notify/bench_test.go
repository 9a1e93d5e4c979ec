package notify_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/notify"
	"github.com/syncd-dev/syncd/internal/store"
)

// BenchmarkDispatchAndDeliver: 1,000 notices for 100 people (10 each, on
// 2 subjects) are filed into 200 digests and mailed to a real SMTP server
// on loopback; one iteration is the whole batch (SQLite).
func BenchmarkDispatchAndDeliver(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, false)
		var people []store.Person
		for i := range 100 {
			people = append(people, f.person(b, fmt.Sprintf("p%d", i), fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@example.com", i)))
		}
		for i := range 1000 {
			p := people[i%100]
			f.notice(b, p.ID, notify.KindTakeBackFailed, fmt.Sprintf("grant:%s-%d", p.ID, (i/100)%2), fmt.Sprintf("notice %d", i), fmt.Sprintf("n%d", i))
		}
		f.clk.add(2 * time.Minute)
		b.StartTimer()
		f.drain(b)
		b.StopTimer()
		if n := len(f.sink.Messages()); n != 200 {
			b.Fatalf("%d mails, want 200", n)
		}
		b.StartTimer()
	}
}

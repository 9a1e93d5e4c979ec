package gormstore

import (
	"testing"
	"time"
)

func TestDBTimeScan(t *testing.T) {
	want := time.Date(2026, 12, 4, 9, 30, 15, 123456789, time.UTC)
	cases := []struct {
		name string
		in   any
		want time.Time
		bad  bool
	}{
		{"time", want, want, false},
		{"mattn text", "2026-12-04 09:30:15.123456789+00:00", want, false},
		{"T separator", []byte("2026-12-04T09:30:15.123456789+00:00"), want, false},
		{"no zone", "2026-12-04 09:30:15.123456789", want, false},
		{"offset", "2026-12-04 10:30:15.123456789+01:00", want, false},
		{"seconds", "2026-12-04 09:30:15", want.Truncate(time.Second), false},
		{"date", "2026-12-04", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), false},
		{"null", nil, time.Time{}, false},
		{"garbage", "yesterday", time.Time{}, true},
		{"number", int64(5), time.Time{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d dbTime
			err := d.Scan(c.in)
			if c.bad {
				if err == nil {
					t.Fatalf("Scan(%v) = %v, want an error", c.in, d.t)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !d.t.Equal(c.want) {
				t.Fatalf("Scan(%v) = %v, want %v", c.in, d.t, c.want)
			}
		})
	}
}

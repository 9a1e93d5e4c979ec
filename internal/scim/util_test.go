package scim_test

import (
	"encoding/json"
	"fmt"
	"net/url"
)

func fmtSscan(s string, i *int) (int, error) { return fmt.Sscan(s, i) }

func urlQuery(s string) string { return url.QueryEscape(s) }

func itoa(i int) string { return fmt.Sprint(i) }

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

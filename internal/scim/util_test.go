package scim_test

import (
	"fmt"
	"net/url"
)

func fmtSscan(s string, i *int) (int, error) { return fmt.Sscan(s, i) }

func urlQuery(s string) string { return url.QueryEscape(s) }

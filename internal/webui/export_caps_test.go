package webui

// SetListCaps lowers how many grants and NHIs one view loads, so tests
// can reach the truncation notice; the returned func restores them.
func SetListCaps(grants, nhis int) (restore func()) {
	g, n := grantsCap, nhisCap
	grantsCap, nhisCap = grants, nhis
	return func() { grantsCap, nhisCap = g, n }
}

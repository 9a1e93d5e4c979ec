package evidence

// SafeText neutralises a text value that a spreadsheet would otherwise read
// as a formula (OWASP "CSV injection"): a value starting with =, +, -, @, a
// tab, a carriage return or a line feed is prefixed with a single quote, so
// neither this export nor a later re-save in another tool turns it into one.
// Every text cell of a workbook and every CSV field syncd exports passes
// through it.
func SafeText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	return s
}

package authz

import "testing"

func TestValidateWebhookURL(t *testing.T) {
	allow := []string{"https://hooks.example.com/syncd/", "http://127.0.0.1:9000"}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/syncd/grant", true},
		{"https://HOOKS.example.com/syncd/a/b", true},
		{"https://hooks.example.com/syncd", false}, // outside "/syncd/"
		{"http://127.0.0.1:9000/anything", true},
		{"https://hooks.example.com/syncdx", false},
		{"https://hooks.example.com/other", false},
		{"https://hooks.example.com/syncd/../admin", false},
		{"http://hooks.example.com/syncd/a", false},
		{"https://hooks.example.com.evil.example/syncd/a", false},
		{"https://hooks.example.com@evil.example/syncd/a", false},
		{"https://evil.example/?u=https://hooks.example.com/syncd/", false},
		{"http://127.0.0.1:9001/", false},
		{"http://169.254.169.254/latest/meta-data/", false},
		{"/syncd/a", false},
		{"https://hooks.example.com\\@evil/syncd/", false},
	} {
		if err := ValidateWebhookURL(allow, tc.url); (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
	if err := ValidateWebhookURL(nil, "https://hooks.example.com/syncd/a"); err == nil {
		t.Error("empty allow-list allowed a destination")
	}
}

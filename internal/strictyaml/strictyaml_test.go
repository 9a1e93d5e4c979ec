package strictyaml

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type dur time.Duration

func (d *dur) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = dur(v)
	return err
}

type sample struct {
	Name   string            `yaml:"name"`
	Count  int               `yaml:"count"`
	On     bool              `yaml:"on"`
	Wait   dur               `yaml:"wait"`
	Tags   []string          `yaml:"tags"`
	Labels map[string]string `yaml:"labels"`
	Items  []item            `yaml:"items"`
}

type item struct {
	ID   string `yaml:"id"`
	Size int    `yaml:"size"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error; none means success
	}{
		{"empty", "", nil},
		{"ok", "name: a\ncount: 2\non: true\nwait: 5s\ntags: [x]\nlabels: {a: b}\nitems: [{id: i, size: 3}]\n", nil},
		{"unknown keys everywhere", "nam: a\nitems:\n  - id: i\n    colour: red\n", []string{"nam: unknown option (line 1)", "items[0].colour: unknown option (line 4)"}},
		{"case hint", "Name: a\n", []string{`Name: unknown option (did you mean "name"?)`}},
		{"types", "count: x\non: 1\nwait: soon\ntags: a\nlabels: [a]\nitems: {id: i}\n", []string{
			`count: expected an integer, got "x"`, `on: expected true or false, got "1"`, "wait:", "tags: expected a list", "labels: expected a mapping", "items: expected a list",
		}},
		{"nested type", "items:\n  - size: big\n", []string{`items[0].size: expected an integer, got "big" (line 2)`}},
		{"not yaml", "a: [b", []string{"(file): not valid YAML"}},
		{"duplicate key", "name: a\nname: b\n", []string{"already defined"}},
		{"scalar document", "just text", []string{"(top level): expected a mapping of options"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			err := Decode([]byte(tc.in), &s)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("want Errors, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestDecodeKeepsDefaults(t *testing.T) {
	s := sample{Name: "default", Count: 7}
	if err := Decode([]byte("count: 3\n"), &s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "default" || s.Count != 3 {
		t.Fatalf("%+v", s)
	}
}

// FuzzDecode: no input may panic; every failure is an Errors value.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{"", "name: a", "items: [{id: 1, size: x}]", "a: [b", "wait: 5s\nlabels: {a: [1]}", "&a [*a]", "? [a]\n: b"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s sample
		err := Decode(raw, &s)
		var es Errors
		if err != nil && !errors.As(err, &es) {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}

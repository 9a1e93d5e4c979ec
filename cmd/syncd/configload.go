package main

import (
	"encoding"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/syncd-dev/syncd/internal/strictyaml"
)

// FieldError is one problem in the configuration, located by its YAML path.
type FieldError = strictyaml.FieldError

// ConfigErrors is every problem found in a configuration at once.
type ConfigErrors = strictyaml.Errors

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

// loadConfig reads path (YAML), applies defaults and SYNCD_* environment
// overrides, and validates the result. All problems are returned together as
// ConfigErrors.
func loadConfig(path string, getenv func(string) string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return parseConfigIn(raw, filepath.Dir(path), getenv)
}

func parseConfig(raw []byte, getenv func(string) string) (Config, error) {
	return parseConfigIn(raw, ".", getenv)
}

// parseConfigIn parses a configuration whose relative file references
// (catalog files) are relative to dir.
func parseConfigIn(raw []byte, dir string, getenv func(string) string) (Config, error) {
	cfg := defaultConfig()
	cfg.Catalog.dir = dir
	if err := strictyaml.Decode(raw, &cfg); err != nil {
		return cfg, err
	}
	var errs ConfigErrors
	errs = append(errs, applyEnv(reflect.ValueOf(&cfg).Elem(), "SYNCD", getenv)...)
	errs = append(errs, cfg.resolve(getenv)...)
	if len(errs) > 0 {
		return cfg, errs
	}
	return cfg, nil
}

// applyEnv overrides scalar options from SYNCD_<PATH> variables.
func applyEnv(v reflect.Value, prefix string, getenv func(string) string) ConfigErrors {
	var errs ConfigErrors
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		env := prefix + "_" + strings.ToUpper(name)
		fv := v.Field(i)
		if reflect.PointerTo(f.Type).Implements(textUnmarshaler) {
			if s := getenv(env); s != "" {
				if err := fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
					errs = append(errs, FieldError{Path: env, Msg: err.Error()})
				}
			}
			continue
		}
		switch f.Type.Kind() {
		case reflect.Struct:
			errs = append(errs, applyEnv(fv, env, getenv)...)
		case reflect.String:
			if s := getenv(env); s != "" {
				fv.SetString(s)
			}
		case reflect.Bool:
			if s := getenv(env); s != "" {
				b, err := strconv.ParseBool(s)
				if err != nil {
					errs = append(errs, FieldError{Path: env, Msg: fmt.Sprintf("expected true or false, got %q", s)})
					continue
				}
				fv.SetBool(b)
			}
		case reflect.Int, reflect.Int64:
			if s := getenv(env); s != "" {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					errs = append(errs, FieldError{Path: env, Msg: fmt.Sprintf("expected an integer, got %q", s)})
					continue
				}
				fv.SetInt(n)
			}
		}
	}
	return errs
}

package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
)

var (
	sourceRoles = []string{"hr", "directory", "idp"}
	sourceTypes = []string{"scim-push", "ldap", "scim"}
	logLevels   = []string{"debug", "info", "warn", "error"}
	logFormats  = []string{"text", "json"}
	matchKeys   = []string{"employeeNumber", "email", "userName"}
)

// validate checks meaning, not shape, and collects every problem. It
// changes nothing in c: the secrets it reads to check them are resolved
// into a copy that is dropped, so validating twice gives the same answer.
func (c *Config) validate(getenv func(string) string) ConfigErrors {
	r := c.clone()
	return r.resolve(getenv)
}

// clone copies c deeply enough that resolve on the copy leaves c as it
// was: the slices whose elements resolve writes, and the pointers in them.
func (c *Config) clone() Config {
	r := *c
	r.Sources = slices.Clone(c.Sources)
	for i := range r.Sources {
		if w := r.Sources[i].LDAP.Write; w != nil {
			cp := *w
			r.Sources[i].LDAP.Write = &cp
		}
	}
	r.Access.SCIMApps = slices.Clone(c.Access.SCIMApps)
	return r
}

// resolve checks c as validate does and keeps what it resolved in c:
// secrets (from their *Env and *File fields), the storage DSN, parsed
// addresses. Loading a configuration resolves it once.
func (c *Config) resolve(getenv func(string) string) ConfigErrors {
	var errs ConfigErrors
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}

	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		add("server.listen", "not a host:port address: %q", c.Server.Listen)
	}
	if c.Server.BaseURL != "" {
		u, err := url.Parse(c.Server.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("server.baseURL", "must be an absolute http(s) URL, got %q", c.Server.BaseURL)
		}
	}
	validateHTTPLimits(c.Server, add)
	if !slices.Contains(logLevels, c.Log.Level) {
		add("log.level", "must be one of %s, got %q", strings.Join(logLevels, ", "), c.Log.Level)
	}
	if !slices.Contains(logFormats, c.Log.Format) {
		add("log.format", "must be one of %s, got %q", strings.Join(logFormats, ", "), c.Log.Format)
	}

	switch c.Storage.Driver {
	case "sqlite", "postgres":
	case "":
		add("storage.driver", "missing (sqlite or postgres)")
	default:
		add("storage.driver", "must be sqlite or postgres, got %q", c.Storage.Driver)
	}
	if dsn, err := c.Storage.resolveDSN(getenv); err != nil {
		add("storage.dsn", "%v", err)
	} else {
		c.Storage.resolved = dsn
	}
	for _, f := range []struct {
		path string
		n    int
	}{{"storage.maxOpenConns", c.Storage.MaxOpenConns}, {"storage.maxIdleConns", c.Storage.MaxIdleConns},
		{"storage.sqliteCacheMiB", c.Storage.SQLiteCacheMiB}, {"storage.sqliteMemoryMiB", c.Storage.SQLiteMemoryMiB}} {
		if f.n < 0 {
			add(f.path, "must not be negative")
		}
	}

	switch strings.ToLower(c.Storage.SQLiteSynchronous) {
	case "", "full", "normal":
	default:
		add("storage.sqliteSynchronous", "must be full or normal, got %q", c.Storage.SQLiteSynchronous)
	}

	seenKey := map[string]int{}
	for i, k := range c.Identity.MatchKeys {
		p := fmt.Sprintf("identity.matchKeys[%d]", i)
		if !slices.Contains(matchKeys, k) {
			add(p, "unknown match key %q (use %s)", k, strings.Join(matchKeys, ", "))
		}
		if j, dup := seenKey[k]; dup {
			add(p, "duplicate of identity.matchKeys[%d]", j)
		}
		seenKey[k] = i
	}

	seenSource := map[string]int{}
	for i, s := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			add(p+".name", "missing")
		} else if j, dup := seenSource[s.Name]; dup {
			add(p+".name", "duplicate source name %q (also sources[%d])", s.Name, j)
		} else {
			seenSource[s.Name] = i
		}
		if !slices.Contains(sourceRoles, s.Role) {
			add(p+".role", "must be one of %s, got %q", strings.Join(sourceRoles, ", "), s.Role)
		}
		if !slices.Contains(sourceTypes, s.Type) {
			add(p+".type", "must be one of %s, got %q", strings.Join(sourceTypes, ", "), s.Type)
		}
	}

	for attr, order := range c.Identity.Precedence {
		for i, who := range order {
			if _, known := seenSource[who]; !known && !slices.Contains(sourceRoles, who) {
				add(fmt.Sprintf("identity.precedence.%s[%d]", attr, i), "%q is neither a role (%s) nor a configured source", who, strings.Join(sourceRoles, ", "))
			}
		}
	}
	errs = append(errs, c.identityErrors()...)
	errs = append(errs, c.validateCatalog(getenv)...)
	errs = append(errs, c.validateWeb(getenv)...)
	errs = append(errs, c.validateNHI()...)
	errs = append(errs, c.validateSources(getenv)...)
	errs = append(errs, c.validateSCIM()...)
	errs = append(errs, c.validateAccess(getenv)...)
	errs = append(errs, c.validateEvidence()...)
	errs = append(errs, c.validateReview()...)
	errs = append(errs, c.validateSecurity()...)
	errs = append(errs, c.validateOps(getenv)...)
	errs = append(errs, c.validateNotify(getenv)...)
	return errs
}

// resolveDSN returns the data source name from exactly one of dsn, dsnEnv
// and dsnFile. A DSN given in the environment override SYNCD_STORAGE_DSN has
// already replaced dsn by the time this runs.
func (s StorageConfig) resolveDSN(getenv func(string) string) (string, error) {
	set := 0
	for _, v := range []string{s.DSN, s.DSNEnv, s.DSNFile} {
		if v != "" {
			set++
		}
	}
	if set > 1 && s.DSN != "" {
		// dsn wins over dsnEnv/dsnFile only when given through the
		// environment override; in a file, two of them is ambiguous.
		if getenv("SYNCD_STORAGE_DSN") == "" {
			return "", fmt.Errorf("give only one of dsn, dsnEnv and dsnFile")
		}
		return s.DSN, nil
	}
	switch {
	case s.DSN != "":
		return s.DSN, nil
	case s.DSNEnv != "":
		v := getenv(s.DSNEnv)
		if v == "" {
			return "", fmt.Errorf("environment variable %s (from dsnEnv) is empty or unset", s.DSNEnv)
		}
		return v, nil
	case s.DSNFile != "":
		b, err := os.ReadFile(s.DSNFile)
		if err != nil {
			return "", fmt.Errorf("dsnFile: %w", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("dsnFile %s is empty", s.DSNFile)
		}
		return v, nil
	}
	return "", fmt.Errorf("missing (set dsn, dsnEnv or dsnFile)")
}

// listenBaseURL is server.baseURL, or one derived from server.listen.
func (c *Config) listenBaseURL() string {
	if c.Server.BaseURL != "" {
		return strings.TrimRight(c.Server.BaseURL, "/")
	}
	host, port, _ := net.SplitHostPort(c.Server.Listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

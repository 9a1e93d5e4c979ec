package main

import (
	"fmt"
	"time"
)

// Config is the YAML shape of syncd's configuration file. Every field is
// documented with an example in configs/syncd.example.yaml.
//
// Environment variables override file values: a scalar option at YAML path
// a.b.c is overridden by SYNCD_A_B_C (path segments upper-cased, joined by
// "_"; camelCase is not split, so server.baseURL is SYNCD_SERVER_BASEURL).
// Options inside lists (sources[...]) have no environment override.
type Config struct {
	Server   ServerConfig   `yaml:"server"`
	Log      LogConfig      `yaml:"log"`
	Storage  StorageConfig  `yaml:"storage"`
	Identity IdentityConfig `yaml:"identity"`
	Sources  []SourceConfig `yaml:"sources"`
	SCIM     SCIMConfig     `yaml:"scim"`
}

// ServerConfig is the HTTP listener.
//
//	server:
//	  listen: 127.0.0.1:8080
//	  baseURL: http://127.0.0.1:8080
//	  shutdownTimeout: 30s
type ServerConfig struct {
	Listen            string   `yaml:"listen"`
	BaseURL           string   `yaml:"baseURL"`
	ShutdownTimeout   Duration `yaml:"shutdownTimeout"`
	ReadHeaderTimeout Duration `yaml:"readHeaderTimeout"`
}

// LogConfig selects the slog handler.
//
//	log:
//	  level: info   # debug | info | warn | error
//	  format: text  # text | json
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// StorageConfig is the database. Exactly one of dsn, dsnEnv, dsnFile.
//
//	storage:
//	  driver: postgres
//	  dsnEnv: SYNCD_PG_DSN
//	  autoMigrate: false
//	  maxOpenConns: 20
type StorageConfig struct {
	Driver          string   `yaml:"driver"`
	DSN             string   `yaml:"dsn"`
	DSNEnv          string   `yaml:"dsnEnv"`
	DSNFile         string   `yaml:"dsnFile"`
	AutoMigrate     bool     `yaml:"autoMigrate"`
	MaxOpenConns    int      `yaml:"maxOpenConns"`
	MaxIdleConns    int      `yaml:"maxIdleConns"`
	ConnMaxLifetime Duration `yaml:"connMaxLifetime"`
	ConnMaxIdleTime Duration `yaml:"connMaxIdleTime"`

	resolved string // the DSN after dsnEnv/dsnFile, set by validate
}

// IdentityConfig drives correlation, source precedence and job functions.
//
//	identity:
//	  matchKeys: [employeeNumber, email, userName]
//	  precedence:
//	    title: [hr, directory, idp]
//	  jobFunctions:
//	    - rule: finance-accountant
//	      jobFunction: accountant
//	      when: 'person.department == "Finance" && person.title == "Accountant"'
type IdentityConfig struct {
	MatchKeys    []string            `yaml:"matchKeys"`
	Precedence   map[string][]string `yaml:"precedence"`
	JobFunctions []JobFunctionRule   `yaml:"jobFunctions"`
}

// JobFunctionRule is one ordered rule; all matching rules apply unless one
// with stop: true matches first.
type JobFunctionRule struct {
	Rule        string `yaml:"rule"`
	JobFunction string `yaml:"jobFunction"`
	When        string `yaml:"when"`
	Stop        bool   `yaml:"stop"`
}

// SourceConfig names a source of identity data and its role for precedence.
//
//	sources:
//	  - name: workday
//	    role: hr
//	    type: scim-push
type SourceConfig struct {
	Name string `yaml:"name"`
	Role string `yaml:"role"` // hr | directory | idp
	Type string `yaml:"type"` // scim-push
}

// Duration is a time.Duration written as "30s", "5m", "24h".
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration (use e.g. 30s, 5m, 2h): %q", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration back in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// defaultConfig is what an empty file means.
func defaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Listen:            "127.0.0.1:8080",
			ShutdownTimeout:   Duration(30 * time.Second),
			ReadHeaderTimeout: Duration(10 * time.Second),
		},
		Log:     LogConfig{Level: "info", Format: "text"},
		Storage: StorageConfig{Driver: "sqlite", DSN: "syncd.db"},
		Identity: IdentityConfig{
			MatchKeys: []string{"employeeNumber", "email", "userName"},
		},
	}
}

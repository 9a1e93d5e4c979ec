package main

import (
	"time"

	"github.com/syncd-dev/syncd/internal/strictyaml"
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
	Catalog  CatalogConfig  `yaml:"catalog"`
	Web      WebConfig      `yaml:"web"`
	NHI      NHIConfig      `yaml:"nhi"`
	SCIM     SCIMConfig     `yaml:"scim"`
	Access   AccessConfig   `yaml:"access"`
	Evidence EvidenceConfig `yaml:"evidence"`
	Review   ReviewConfig   `yaml:"review"`
	Security SecurityConfig `yaml:"security"`
	Jobs     JobsConfig     `yaml:"jobs"`
	Metrics  MetricsConfig  `yaml:"metrics"`
	Notify   NotifyConfig   `yaml:"notify"`
}

// ServerConfig is the HTTP listener.
//
//	server:
//	  listen: 127.0.0.1:8080
//	  baseURL: http://127.0.0.1:8080
//	  shutdownTimeout: 30s
//	  readHeaderTimeout: 10s  # the request line and headers
//	  readTimeout: 30s        # the whole request, body included
//	  writeTimeout: 120s      # longer than the slowest response (exports)
//	  idleTimeout: 60s        # an idle keep-alive connection is closed
//	  maxHeaderBytes: 65536
type ServerConfig struct {
	Listen            string   `yaml:"listen"`
	BaseURL           string   `yaml:"baseURL"`
	ShutdownTimeout   Duration `yaml:"shutdownTimeout"`
	ReadHeaderTimeout Duration `yaml:"readHeaderTimeout"`
	ReadTimeout       Duration `yaml:"readTimeout"`
	WriteTimeout      Duration `yaml:"writeTimeout"`
	IdleTimeout       Duration `yaml:"idleTimeout"`
	MaxHeaderBytes    int      `yaml:"maxHeaderBytes"`
}

// LogConfig selects the slog handler.
//
//	log:
//	  level: info   # debug | info | warn | error
//	  format: json  # json (default) | text
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
//	  sqliteSynchronous: full  # full (default) | normal
//	  sqliteCacheMiB: 8        # per connection; 0: the command's default
//	  sqliteMemoryMiB: 64      # all SQLite memory, soft; 0: 64
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
	// SQLiteSynchronous is SQLite's synchronous setting: "full" (the
	// default) keeps every acknowledged write across a power loss;
	// "normal" (with WAL) survives a crash of syncd but may lose the
	// last transactions on a power loss, for more write throughput.
	SQLiteSynchronous string `yaml:"sqliteSynchronous"`
	// SQLiteCacheMiB is each SQLite connection's page cache in MiB. Zero
	// leaves the command's default: syncSQLiteCacheMiB for syncd sync, whose
	// one writing connection does the batch work; defaultSQLiteCacheMiB for
	// serve and the rest, where every pooled connection may fill it.
	SQLiteCacheMiB int `yaml:"sqliteCacheMiB"`
	// SQLiteMemoryMiB is SQLite's soft limit on its memory in the process:
	// past it the connections' page caches stop growing and reuse their
	// pages. Zero leaves defaultSQLiteMemoryMiB.
	SQLiteMemoryMiB int `yaml:"sqliteMemoryMiB"`

	resolved string // the DSN after dsnEnv/dsnFile, set by validate
	// walAutoCheckpoint is SQLite's WAL checkpoint interval in pages, set by
	// the commands that write in batches (syncd sync); SQLite's own when 0.
	walAutoCheckpoint int
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
// Pulled sources (ldap, scim) also carry their schedule and options (see
// config_sources.go).
//
//	sources:
//	  - name: workday
//	    role: hr
//	    type: scim-push
//	  - name: corp-ldap
//	    role: directory
//	    type: ldap
//	    interval: 15m      # between runs, incremental where possible
//	    fullInterval: 24h  # between full reconciliations (finds deletions)
//	    maxDeletionShare: 0.1  # a full run terminating more waits for --confirm-deletions
//	    ldap: {...}
type SourceConfig struct {
	Name string `yaml:"name"`
	Role string `yaml:"role"` // hr | directory | idp
	Type string `yaml:"type"` // scim-push | ldap | scim

	// Pulled sources (type ldap or scim): see config_sources.go.
	Interval     Duration `yaml:"interval"`
	FullInterval Duration `yaml:"fullInterval"`
	// MaxDeletionShare is the share of the source's people a full run may
	// terminate (0 < x <= 1; 0.1 when unset); see pull.Runner.
	MaxDeletionShare float64          `yaml:"maxDeletionShare"`
	LDAP             LDAPSourceConfig `yaml:"ldap"`
	SCIM             SCIMPullConfig   `yaml:"scim"`
}

// Duration is a time.Duration written as "30s", "5m", "24h" or "90d"
// (strictyaml owns the syntax; catalog files use it too).
type Duration = strictyaml.Duration

// defaultConfig is what an empty file means.
func defaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Listen:            "127.0.0.1:8080",
			ShutdownTimeout:   Duration(30 * time.Second),
			ReadHeaderTimeout: Duration(10 * time.Second),
			ReadTimeout:       Duration(30 * time.Second),
			WriteTimeout:      Duration(120 * time.Second),
			IdleTimeout:       Duration(60 * time.Second),
			MaxHeaderBytes:    64 << 10,
		},
		Log:     LogConfig{Level: "info", Format: "json"},
		Storage: StorageConfig{Driver: "sqlite", DSN: "syncd.db"},
		Identity: IdentityConfig{
			MatchKeys: []string{"employeeNumber", "email", "userName"},
		},
		Web:      webDefaults(),
		Security: securityDefaults(),
		Jobs:     jobsDefaults(),
	}
}

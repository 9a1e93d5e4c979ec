package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/syncd-dev/syncd/internal/demo"
	"github.com/syncd-dev/syncd/internal/demoidp"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

// cmdDemo runs syncd on SQLite in a data directory with a generated
// organisation and a built-in OpenID provider on loopback, and prints the
// URL and the demo logins.
func cmdDemo(ctx context.Context, e env, args []string) int {
	var (
		dir, listen string
		reset       bool
	)
	if _, code := flags(e, "demo", args, func(fs *flag.FlagSet) {
		fs.StringVar(&dir, "data", "syncd-demo-data", "directory for the demo database (kept between runs)")
		fs.BoolVar(&reset, "reset", false, "delete the demo database first and generate a fresh organisation")
		fs.StringVar(&listen, "listen", "127.0.0.1:8080", "loopback address for syncd (the provider takes a free port)")
	}); code >= 0 {
		return code
	}
	if err := demoidp.CheckLoopback(listen); err != nil {
		fmt.Fprintf(e.stderr, "syncd demo: --listen %s: the demo signs in over plain http and must stay on loopback\n", listen)
		return exitUsage
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintf(e.stderr, "syncd demo: %v\n", err)
		return exitFailure
	}
	dbPath := filepath.Join(dir, "syncd.db")
	// The demo's catalog, written afresh each run so it matches this binary.
	if err := os.WriteFile(filepath.Join(dir, "catalog.yaml"), demo.Catalog, 0o600); err != nil {
		fmt.Fprintf(e.stderr, "syncd demo: %v\n", err)
		return exitFailure
	}
	if reset {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(e.stderr, "syncd demo: reset: %v\n", err)
				return exitFailure
			}
		}
	}
	// syncd's listener first: the provider must know the exact redirect URI.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "syncd demo: listen on %s: %v (try --listen 127.0.0.1:0)\n", listen, err)
		return exitFailure
	}
	base := "http://" + ln.Addr().String()
	clientSecret := rand.Text()
	cfg, errs := demoConfig(dbPath, ln.Addr().String(), base, e.getenv)
	if len(errs) > 0 {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: internal configuration error:\n%v\n", errs)
		return exitFailure
	}
	logger := newLogger(e.stderr, cfg.Log)
	st, err := openStore(ctx, cfg, logger)
	if err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: migrate: %v\n", err)
		return exitFailure
	}
	if err := seedDemo(ctx, e.stdout, st, cfg); err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: %v\n", err)
		return exitFailure
	}
	if err := seedDemoRequests(ctx, e.stdout, st, cfg, logger); err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: requests: %v\n", err)
		return exitFailure
	}
	if err := seedDemoCampaign(ctx, e.stdout, st, cfg, logger); err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: campaign: %v\n", err)
		return exitFailure
	}

	var users []demoidp.User
	for _, l := range demo.Logins() {
		users = append(users, demoidp.User{ID: "demo-" + l.Username, Username: l.Username, Password: l.Password, Name: l.Name, Email: l.Email, Groups: l.Groups})
	}
	idp, err := demoidp.Start(demoidp.Config{
		Addr: "127.0.0.1:0", Users: users, Logger: logger.With("component", "demoidp"),
		Client: demoidp.Client{ID: "syncd-demo", Secret: clientSecret, RedirectURI: base + "/auth/callback"},
	})
	if err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: %v\n", err)
		return exitFailure
	}
	defer idp.Close()
	cfg.Web.OIDC.Issuer, cfg.Web.OIDC.ClientID, cfg.Web.OIDC.secret = idp.Issuer, "syncd-demo", clientSecret
	if errs := cfg.validateWeb(e.getenv); len(errs) > 0 {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: internal configuration error:\n%v\n", errs)
		return exitFailure
	}

	d, err := newDaemon(ctx, cfg, st, logger)
	if err != nil {
		ln.Close()
		fmt.Fprintf(e.stderr, "syncd demo: %v\n", err)
		return exitFailure
	}
	printDemo(e.stdout, base, idp.Issuer, dir)
	if err := d.serve(ctx, ln); err != nil {
		fmt.Fprintf(e.stderr, "syncd demo: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// demoConfig is the configuration `syncd demo` runs with: SQLite at
// dbPath, the demo's sources and job-function rules, and a web section
// whose issuer and client are filled in once the provider runs.
func demoConfig(dbPath, listen, base string, getenv func(string) string) (Config, ConfigErrors) {
	cfg := defaultConfig()
	cfg.Server.Listen, cfg.Server.BaseURL = listen, base
	cfg.Log.Level = "warn"
	cfg.Storage.DSN, cfg.Storage.AutoMigrate = dbPath, true
	cfg.Sources = []SourceConfig{
		{Name: demo.SourceHR, Role: "hr", Type: "scim-push"},
		{Name: demo.SourceIdP, Role: "idp", Type: "scim-push"},
	}
	for _, r := range demo.Rules() {
		cfg.Identity.JobFunctions = append(cfg.Identity.JobFunctions, JobFunctionRule{Rule: r.Name, JobFunction: r.JobFunction, When: r.When, Stop: r.Stop})
	}
	cfg.Catalog.Files = []string{filepath.Join(filepath.Dir(dbPath), "catalog.yaml")}
	cfg.Web.Roles = map[string][]string{
		"admin": {demo.GroupAdmins}, "auditor": {demo.GroupAuditors}, "catalog-owner": {demo.GroupCatalogOwners},
	}
	cfg.Review.Campaigns = demoCampaigns()
	cfg.NHI.Thresholds = demoNHIThresholds()
	cfg.Web.Session.InsecureCookie = true // plain http on loopback
	cfg.Notify.demoSink, cfg.Notify.Window, cfg.Notify.DispatchEvery = true, Duration(10*time.Second), Duration(5*time.Second)
	key, err := demoEvidenceKey(filepath.Dir(dbPath))
	if err != nil {
		return cfg, ConfigErrors{{Path: "evidence.signingKeyFile", Msg: err.Error()}}
	}
	cfg.Evidence.SigningKeyFile = key
	errs := cfg.resolve(getenv) // web is still off here: no issuer yet
	return cfg, errs
}

// seedDemo generates the organisation into an empty database and leaves
// an existing one alone.
func seedDemo(ctx context.Context, out io.Writer, st store.Store, cfg Config) error {
	n, err := st.CountPersons(ctx, store.PersonQuery{})
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "Using the existing demo data (%d people); run with --reset for a fresh organisation.\n", n)
		return nil
	}
	fmt.Fprintln(out, "Generating the demo organisation…")
	icfg := cfg.identityConfig()
	sum, err := demo.Generate(ctx, demo.Options{
		Store: st,
		Identity: func(now func() time.Time) (*identity.Service, error) {
			return identity.New(icfg, st, identity.WithNow(now))
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Created %d people, %d groups, %d projects, %d non-human identities and %d sync runs.\n",
		sum.People, sum.Groups, sum.Projects, sum.NHIs, sum.Runs)
	return nil
}

func printDemo(w io.Writer, base, issuer, dir string) {
	fmt.Fprintf(w, "\nDemo logins (the built-in identity provider at %s shows a sign-in form):\n\n", issuer)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tUSERNAME\tPASSWORD\tWHO")
	for _, l := range demo.Logins() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Role, l.Username, l.Password, l.Name)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nData is kept in %s (--reset starts over). Stop with Ctrl-C.\n", dir)
	fmt.Fprintf(w, "\nsyncd demo is running: open %s\n", base)
}

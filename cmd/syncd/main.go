package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes shared by every command.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2 // bad flags or an invalid configuration
)

// env is what a command may touch of the process, passed in so tests can
// run commands in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	name    string
	usage   string
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

func commands() []command {
	return []command{
		{"demo", "demo [--data DIR] [--reset] [--listen ADDR]", "try syncd: demo organisation, web UI and a built-in sign-in on loopback", cmdDemo},
		{"serve", "serve --config F", "run the daemon: HTTP API, SCIM server, scheduled work", cmdServe},
		{"migrate", "migrate --config F", "apply pending database migrations and print the schema version", cmdMigrate},
		{"config validate", "config validate --config F", "check a configuration file and report every problem", cmdConfigValidate},
		{"audit verify", "audit verify --config F", "walk the audit hash chain; exit 1 naming the first broken event", cmdAuditVerify},
		{"audit export", "audit export --config F [--from DATE] [--to DATE] [--action A] [--format jsonl|csv]", "print audit events with their hashes, one per line", cmdAuditExport},
		{"token create", "token create --config F --name N --scope scim|api [--source S]", "create a bearer token; prints the secret alone on stdout", cmdTokenCreate},
		{"token list", "token list --config F", "list tokens (never their secrets)", cmdTokenList},
		{"token revoke", "token revoke --config F --name N", "revoke a token by name or id", cmdTokenRevoke},
		{"catalog lint", "catalog lint --config F", "check the catalog for unsafe items; exit 1 on errors, 0 with warnings", cmdCatalogLint},
		{"catalog simulate", "catalog simulate --config F --item ID --policy FILE", "what a changed item policy would decide differently, before it lands", cmdCatalogSimulate},
		{"catalog changes approve", "catalog changes approve --config F --as PERSON [--comment C] ID", "approve a pending catalog change as PERSON (never its proposer)", cmdCatalogChangesApprove},
		{"catalog changes reject", "catalog changes reject --config F --as PERSON [--comment C] ID", "reject a pending catalog change as PERSON", cmdCatalogChangesReject},
		{"catalog changes", "catalog changes --config F [--state pending|approved|rejected] [--json]", "list governed (four-eyes) catalog changes", cmdCatalogChanges},
		{"request list", "request list --config F [--state S] [--person P] [--item ID]", "list access requests with their decisions in words", cmdRequestList},
		{"nhi orphans", "nhi orphans --config F [--format table|json|csv] [--rule R]", "evaluate orphan rules and list NHIs with open findings", cmdNHIOrphans},
		{"nhi list", "nhi list --config F [--format table|json] [--kind K] [--source S]", "list non-human identities", cmdNHIList},
		{"nhi import", "nhi import --config F --file F.csv [--dry-run]", "create or update NHIs from CSV; invalid rows listed by line", cmdNHIImport},
		{"nhi evaluate", "nhi evaluate --config F", "run the orphan rules once and print the summary", cmdNHIEvaluate},
		{"campaign list", "campaign list --config F [--format table|json]", "list campaign definitions and campaigns", cmdCampaignList},
		{"campaign start", "campaign start --config F --definition NAME", "start a campaign now and freeze its population; prints its id last", cmdCampaignStart},
		{"campaign status", "campaign status --config F --id ID [--format table|json]", "a campaign's decisions, defaults and remediation", cmdCampaignStatus},
		{"campaign close", "campaign close --config F --id ID", "apply the non-response default now and close the campaign", cmdCampaignClose},
		{"sync status", "sync status --config F [--source NAME] [--limit N] [--rejections]", "list recent pull runs with their counts and errors", cmdSyncStatus},
		{"sync", "sync --config F --source NAME [--full]", "pull one ldap or scim source now; exit 1 if the run fails", cmdSync},
		{"evidence keygen", "evidence keygen --out FILE", "create an Ed25519 evidence signing key (PKCS#8 PEM); prints the public key", cmdEvidenceKeygen},
		{"evidence export", "evidence export --config F (--campaign ID | --requests --from DATE --to DATE) --out FILE.xlsx", "write a signed evidence workbook", cmdEvidenceExport},
		{"evidence verify", "evidence verify FILE.xlsx [--public-key FILE] [--config F]", "check a workbook's sheet hashes, signature and chain head; exit 1 naming the first edit", cmdEvidenceVerify},
		{"jobs list", "jobs list --config F [--state queued|running|done|failed] [--kind K]", "list scheduled and deferred jobs, newest first", cmdJobsList},
		{"jobs retry", "jobs retry --config F ID", "queue a failed job again", cmdJobsRetry},
		{"healthcheck", "healthcheck [--url U]", "exit 0 when a running daemon's /readyz answers 200 (container health checks)", cmdHealthcheck},
		{"version", "version", "print version, commit and build date", cmdVersion},
		{"help", "help", "show this help", nil},
	}
}

func main() {
	// The first SIGINT/SIGTERM cancels ctx: serve drains within its grace
	// period. A second one exits at once.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "syncd: second signal, exiting now")
		os.Exit(exitFailure)
	}()
	code := run(ctx, env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	cancel()
	os.Exit(code)
}

// run dispatches args to a command; two-word commands ("token create") are
// matched before one-word ones.
func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name && c.run != nil {
			return c.run(ctx, e, args[len(words):])
		}
	}
	fmt.Fprintf(e.stderr, "syncd: unknown command %q; run 'syncd help'\n", strings.Join(args, " "))
	return exitUsage
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "syncd: identity governance daemon")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  syncd %-62s %s\n", c.usage, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command taking --config also reads SYNCD_* environment overrides (see configs/syncd.example.yaml).")
}

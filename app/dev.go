//go:build !nodev

package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/tracing"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// Dev runs the whole system in one process (SPEC §2 `dev`) until ctx ends.
// With reset it first brings the demo data and the embedded server's state
// back to new.
func Dev(ctx context.Context, cfg config.Config, out io.Writer, reset bool) error {
	log := Logger(cfg, out)
	if reset {
		if err := resetDev(ctx, cfg, out); err != nil {
			return err
		}
	}
	for _, name := range cfg.ApplyDevDefaults() {
		log.Warn("DEV ONLY: using the fixed development value for "+name+"; never run production like this", "variable", name)
	}

	stopTraces, err := tracing.Setup(ctx, cfg.OTLPEndpoint, "dev", log)
	if err != nil {
		return err
	}
	defer stopTraces(context.Background())
	db, err := OpenDatabase(ctx, cfg, true, log)
	if errors.Is(err, ErrPostgresDown) {
		return fmt.Errorf("PostgreSQL não responde em DATABASE_URL (%s). Inicie-o com: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", redactDSN(cfg.DatabaseURL))
	}
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := cfg.Keyring()
	if err != nil {
		return err
	}
	if err := seed.Demo(ctx, db, keys.Seal); err != nil {
		return err
	}
	hash, err := api.HashPassword(string(cfg.DemoPassword))
	if err != nil {
		return err
	}
	if err := seed.DemoPasswords(ctx, db, hash); err != nil {
		return err
	}
	store := postgres.New(db)

	address, uiURL, cliPath := cfg.TemporalAddress, "", ""
	if address == "" {
		srvLog, err := openServerLog(cfg.TemporalDBFile)
		if err != nil {
			return err
		}
		defer srvLog.Close()
		srv, err := temporaldev.Start(ctx, temporaldev.Options{Port: cfg.TemporalPort, UIPort: cfg.TemporalUIPort, DBFile: cfg.TemporalDBFile,
			Namespace: cfg.TemporalNamespace, SearchAttributes: workflows.SearchAttributeNames, Output: srvLog, Progress: out,
			UICodecEndpoint: devUICodecEndpoint(cfg)})
		if err != nil {
			return err
		}
		defer srv.Stop()
		address, uiURL, cliPath = srv.Address, srv.UIURL, srv.Binary
	}
	reg := metrics.New()
	codec, err := cfg.Codec()
	if err != nil {
		return err
	}
	opts := clientOptions(address, cfg.TemporalNamespace, codec, reg.SDKHandler(), log)
	if cfg.TemporalAddress == "" {
		opts = onLoopback(opts)
	}
	tc, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("temporal at %s: %w", address, err)
	}
	defer tc.Close()

	graphURL := cfg.MetaGraphBaseURL
	if graphURL == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		graphURL = "http://" + ln.Addr().String()
		sim := graphsim.New()
		// The demo coexistence number's override, as our app set it when it connected.
		sim.SetOverride(seed.DemoCoexistencePhone, seed.DemoOverrideURI)
		// The demo WABA on our credit line, as we shared it when it onboarded.
		sim.ShareCreditLine(seed.DemoCreditAllocationID, seed.DemoOficialWABA)
		sim.SetPartnerToken(string(cfg.MetaPartnerToken)) // our business's system user (META_PARTNER_TOKEN)
		go http.Serve(ln, sim)
	}

	parts := Parts{Config: cfg, Store: store, Temporal: tc, Metrics: reg, Mail: Mailer(cfg, out), GraphURL: graphURL, Log: log, Dev: true}
	w, err := worker.Start(ctx, tc, parts.Activities(), devTuning(cfg))
	if err != nil {
		return err
	}
	defer w.Stop()
	go parts.Reconciler().Run(ctx) // as the worker process does

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	if _, err := ServeCodec(ctx, cfg, log); err != nil {
		return err
	}
	if err := banner(ctx, out, cfg, store, "http://"+ln.Addr().String(), uiURL, graphURL, address, cliPath); err != nil {
		return err
	}
	changes, err := postgres.Listen(cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer changes.Close()
	parts.Changes = changes
	// The worker's and the API's metrics, as their processes serve them;
	// a second dev on the machine goes without.
	reg.WatchService(ServiceGauges(db, tc))
	reg.BuildInfo(Tuning(cfg).Version.ID(), workflows.Release)
	if _, err := ServeMetrics(ctx, cfg.MetricsAddr, reg, log); err != nil {
		log.Warn("no metrics", "error", err)
	}
	return parts.ServeAPI(ctx, ln)
}

// devUICodecEndpoint is the codec server as Temporal Web calls it: its
// setting is a URL and it sends no Authorization header, so the URL carries
// the token (temporalcodec.UIPath). Only loopback reaches dev's Web.
func devUICodecEndpoint(cfg config.Config) string {
	if cfg.CodecAddr == "off" {
		return ""
	}
	return temporalcodec.UIPath(cfg.CodecBaseURL(), string(cfg.CodecAuthToken))
}

// devTuning is Tuning for dev's one worker: every build of the tree is the
// one version "dev" (unless WORKER_BUILD_ID says otherwise) and makes itself
// current, so removals left waiting go on with the code after a restart, as
// they would unversioned; a change to the commands fails them there with a
// non-determinism error, which is what a developer wants to see.
func devTuning(cfg config.Config) worker.Tuning {
	t := Tuning(cfg)
	if t.Version.BuildID == "" {
		t.Version.BuildID = "dev"
	}
	t.Version.Promote = worker.PromoteAlways
	return t
}

// resetDev drops the dev database and deletes the embedded server's SQLite
// state; the start that follows recreates both, demo data included.
func resetDev(ctx context.Context, cfg config.Config, out io.Writer) error {
	if cfg.TemporalAddress == "" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(cfg.TemporalDBFile + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("reset %s: %w", cfg.TemporalDBFile+suffix, err)
			}
		}
		fmt.Fprintf(out, "reset: deleted the embedded Temporal state (%s)\n", cfg.TemporalDBFile)
	}
	name, err := postgres.DropDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	fmt.Fprintf(out, "reset: dropped the database %q; it is recreated with the demo data\n", name)
	return nil
}

// openServerLog opens the embedded server's log next to its state: its own
// warnings and its shutdown noise go there, not to the console.
func openServerLog(dbFile string) (*os.File, error) {
	dir := filepath.Dir(dbFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, "temporal-server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

func banner(ctx context.Context, out io.Writer, cfg config.Config, store *postgres.Store, apiURL, uiURL, graphURL, temporalAddr, cliPath string) error {
	tokens := map[string]string{}
	for _, email := range []string{seed.DemoAdminEmail, seed.DemoAgentEmail} {
		u, err := store.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if tokens[email], err = api.IssueToken([]byte(cfg.AuthJWTSecret), u.ID, 7*24*time.Hour); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\n================ channel-removal dev ================\n")
	fmt.Fprintf(out, "Web app:        %s/  (entre com %s ou %s, senha %q)\n", apiURL, seed.DemoAdminEmail, seed.DemoAgentEmail, string(cfg.DemoPassword))
	fmt.Fprintf(out, "API:            %s\n", apiURL)
	if uiURL != "" {
		fmt.Fprintf(out, "Temporal Web:   %s/namespaces/%s/workflows\n", uiURL, cfg.TemporalNamespace)
	} else {
		fmt.Fprintf(out, "Temporal:       %s (external)\n", cfg.TemporalAddress)
	}
	if v := devTuning(cfg).Version; v.Unversioned {
		fmt.Fprintf(out, "Worker:         unversioned (WORKER_VERSIONING=false)\n")
	} else {
		fmt.Fprintf(out, "Worker:         build %q of deployment %s, current; removals pinned to it (ops versions)\n", v.ID(), worker.DeploymentName)
	}
	if cfg.CodecAddr != "off" {
		fmt.Fprintf(out, "Codec server:   %s/decode  (Authorization: Bearer %s; Temporal Web and `channel-removal temporal …` use it)\n",
			cfg.CodecBaseURL(), string(cfg.CodecAuthToken))
	}
	if cliPath != "" {
		fmt.Fprintf(out, "Temporal CLI:   export PATH=\"%s:$PATH\"   # then: temporal workflow list --address %s --namespace %s\n",
			filepath.Dir(cliPath), temporalAddr, cfg.TemporalNamespace)
	}
	fmt.Fprintf(out, "Meta Graph API: %s", graphURL)
	if cfg.MetaGraphBaseURL == "" {
		fmt.Fprintf(out, " (local simulator; make the next calls fail: curl -X POST '%s/_sim/fail?count=1&code=190&http_status=401')", graphURL)
	}
	fmt.Fprintf(out, "\nMeta webhooks:  %s/webhooks/meta", apiURL)
	if cfg.MetaAppSecret == config.DevMetaAppSecret {
		fmt.Fprintf(out, " (signed with the dev META_APP_SECRET %q; docs/operations.md has a delivery to try)", config.DevMetaAppSecret)
	}
	fmt.Fprintf(out, "\nE-mail:         ")
	if cfg.SendGridAPIKey == "" {
		fmt.Fprintf(out, "printed here (console mailer)\n")
	} else {
		fmt.Fprintf(out, "SendGrid (%s)\n", cfg.SendGridBaseURL)
	}
	fmt.Fprintf(out, "\nDemo channels (conta Loja Demo):\n")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, ch := range seed.DemoChannels {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", ch.Name, ch.Kind, ch.ID)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nTokens (valid 7 days):\n  export ADMIN_TOKEN=%s\n  export AGENT_TOKEN=%s\n", tokens[seed.DemoAdminEmail], tokens[seed.DemoAgentEmail])
	fmt.Fprintf(out, "\nTry:  curl -s %s/v1/channels -H \"Authorization: Bearer $ADMIN_TOKEN\"\n", apiURL)
	fmt.Fprintf(out, "=====================================================\n\n")
	return nil
}

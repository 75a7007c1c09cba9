package rehearsal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"golang.org/x/crypto/bcrypt"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/internal/devtools/fakesendgrid"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/temporalcodec"
)

type channel struct{ id, name, waba string }

// rig is everything a phase uses.
type rig struct {
	o        Options
	cluster  *Cluster
	tc       client.Client
	codec    *temporalcodec.Codec // the processes' TEMPORAL_CODEC_KEY
	codecKey string               // its spec ("k1:…", "k2:…,k1:…" once rotated)
	codecEnv []string
	fleet    *fleet
	admin    *admin
	graph    *graphsim.Sim
	doors    []*graphDoor
	db       *sqlx.DB
	env      []string
	free     []channel
	res      *Result
}

// Run runs the rehearsal and returns its table; the processes it started
// are stopped when it returns.
func Run(ctx context.Context, o Options) (*Result, error) {
	o.defaults()
	if o.Binary == "" {
		return nil, errors.New("rehearsal: no production binary")
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return nil, err
	}
	r := &rig{o: o, res: &Result{WorkDir: o.WorkDir}}
	defer r.close()
	if err := r.up(ctx); err != nil {
		return r.res, err
	}
	for _, phase := range []func(context.Context) error{r.alternating, r.killWorkerAtTombstone, r.killWorkerAtUnlink,
		r.killAPIDuringWaitingRead, r.afterRestarts, r.throughput, r.opsCommands, r.retryAtScale, r.rotateCodecKey} {
		if err := phase(ctx); err != nil {
			return r.res, err
		}
	}
	if o.BinaryB == "" {
		r.logf("no build B (-tags rehearsal_b): the deploy phases are skipped")
		return r.res, nil
	}
	for _, phase := range []func(context.Context) error{r.deployVersioned, r.deployUnversioned} {
		if err := phase(ctx); err != nil {
			return r.res, err
		}
	}
	return r.res, nil
}

func (r *rig) logf(format string, args ...any) { fmt.Fprintf(r.o.Progress, format+"\n", args...) }

func (r *rig) up(ctx context.Context) error {
	var err error
	if r.cluster, err = startCluster(ctx, r.o.Postgres, r.o.Prefix, r.o.WorkDir, r.o.Progress); err != nil {
		return err
	}
	r.codec, r.codecKey = newCodec("k1")
	r.codecEnv = []string{"TEMPORAL_CODEC_KEY=" + r.codecKey, "CODEC_AUTH_TOKEN=" + secret() + secret(),
		// Two APIs share this machine; the codec server has tests of its own.
		"CODEC_ADDR=off"}
	if r.tc, err = r.dial(r.codec); err != nil {
		return err
	}
	if r.res.MTLS, err = r.cluster.TLS.refusesStrangers(ctx, r.cluster.Address); err != nil {
		return fmt.Errorf("mTLS: %w", err)
	}
	if r.res.Persistence, r.res.Visibility, err = StoreNames(ctx, r.tc); err != nil {
		return err
	}
	if r.res.Persistence != "postgres12" || r.res.Visibility != "postgres12" {
		return fmt.Errorf("the rehearsal server reports persistence %q and visibility %q, not Postgres", r.res.Persistence, r.res.Visibility)
	}
	appDB := r.o.Prefix + "_app"
	if err := freshDatabases(ctx, r.o.Postgres, true, appDB); err != nil {
		return err
	}
	dsn, err := postgres.WithDatabaseName(r.o.Postgres, appDB)
	if err != nil {
		return err
	}
	mail := fakesendgrid.Start()
	r.graph = graphsim.New()
	r.doors = newGraphDoors(r.graph, 2)
	keyring, keySpec := newKeyring()
	r.env = append(os.Environ(), "DATABASE_URL="+dsn, "TEMPORAL_ADDRESS="+r.cluster.Address, "TEMPORAL_NAMESPACE=default",
		"AUTH_JWT_SECRET="+secret(), "CODE_SECRET="+secret(), "CREDENTIALS_KEY="+keySpec, "META_APP_SECRET="+secret(),
		"SENDGRID_API_KEY=SG.rehearsal", "SENDGRID_BASE_URL="+mail.URL(), "MAIL_FROM=no-reply@localhost",
		"META_GRAPH_VERSION=v23.0", "LOG_LEVEL=warn",
		// The load phases start many removals as one admin (SPEC §8).
		"MAX_REMOVAL_STARTS_PER_USER=0")
	r.env = append(r.env, r.codecEnv...)
	// Every process talks to Temporal over mTLS.
	r.env = append(r.env, r.cluster.TLS.clientEnv()...)
	r.env = append(r.env,
		// Four processes and the server share one Postgres and its 100
		// connections with whatever else runs (CI's other tests).
		"DATABASE_POOL_SIZE=6")
	if out, err := r.run(ctx, "migrate", "up"); err != nil {
		return fmt.Errorf("migrate up: %v\n%s", err, out)
	}
	if r.db, err = postgres.Open(ctx, dsn); err != nil {
		return err
	}
	postgres.Resize(r.db, 4)
	if err := r.seed(ctx, keyring); err != nil {
		return err
	}
	var urls []string
	for _, d := range r.doors {
		urls = append(urls, d.srv.URL)
	}
	if r.fleet, err = newFleet(r.o.Binary, r.o.WorkDir, r.env, dsn, urls, 2); err != nil {
		return err
	}
	r.fleet.temporal = r.tc
	r.logf("Starting 2 workers and 2 APIs of %s...", r.o.Binary)
	if err := r.fleet.startAll(ctx); err != nil {
		return err
	}
	token, err := r.run(ctx, "token", "--email", adminEmail)
	if err != nil {
		return fmt.Errorf("token: %v\n%s", err, token)
	}
	r.admin = &admin{token: strings.TrimSpace(token), mail: mail, http: &http.Client{Timeout: 60 * time.Second}}
	return r.admin.signIn(ctx, r.fleet.apiURLs[0], adminEmail, adminPassword)
}

// dial is the rehearsal's own client of the cluster (mTLS), reading and
// writing payloads with codec, as the processes do.
func (r *rig) dial(codec *temporalcodec.Codec) (client.Client, error) {
	tlsCfg, err := r.cluster.TLS.clientTLS()
	if err != nil {
		return nil, err
	}
	opts := client.Options{HostPort: r.cluster.Address, Namespace: "default", ConnectionOptions: client.ConnectionOptions{TLS: tlsCfg},
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))}
	codec.Apply(&opts)
	return client.Dial(opts)
}

const (
	adminEmail    = "admin@rehearsal.test"
	adminPassword = "rehearsal-password"
)

// seed creates one account, its admin (with a password, for the session)
// and enough WhatsApp channels, each on its own WABA, for every phase.
func (r *rig) seed(ctx context.Context, keyring *credentials.Keyring) error {
	b := seed.Builder{DB: r.db, Seal: keyring.Seal}
	acc, err := b.Account("", "Loja Ensaio", adminEmail)
	if err != nil {
		return err
	}
	user, err := b.User("", acc, adminEmail, "Admin Ensaio", "admin")
	if err != nil {
		return err
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if _, err := r.db.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, string(hash), user); err != nil {
		return err
	}
	n := r.o.Removals + 3 + r.o.AfterRestarts + 2*r.o.Throughput + r.o.Warnings + 3*4*r.o.Deploy // the key rotation's and the deploys'
	r.logf("Seeding %d channels...", n)
	for i := 1; i <= n; i++ {
		ch := channel{name: fmt.Sprintf("WhatsApp Ensaio %04d", i), waba: fmt.Sprintf("WABA-R%04d", i)}
		if ch.id, err = b.Channel(seed.ChannelSpec{AccountID: acc, Name: ch.name, Kind: "whatsapp_cloud",
			WABAID: ch.waba, PhoneNumberID: fmt.Sprintf("PN-R%04d", i), Token: "EAAG-rehearsal"}); err != nil {
			return err
		}
		r.free = append(r.free, ch)
	}
	return nil
}

func (r *rig) take(n int) []channel {
	chs := r.free[:n]
	r.free = r.free[n:]
	return chs
}

// run runs the production binary once (migrate, token, ops).
func (r *rig) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.o.Binary, args...)
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (r *rig) close() {
	if r.fleet != nil {
		r.fleet.stop()
	}
	if r.tc != nil {
		r.tc.Close()
	}
	if r.cluster != nil {
		r.cluster.Stop()
	}
	if r.db != nil {
		r.db.Close()
	}
	for _, d := range r.doors {
		d.srv.Close()
	}
	if r.admin != nil {
		r.admin.mail.Close()
	}
}

//go:build !nodev

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/internal/devtools/bench"
	"github.com/crm/channel-removal/internal/devtools/rehearsal"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
)

// The commands for a developer's machine, left out of the production build
// (-tags nodev) with what they carry: the embedded Temporal, the demo seed,
// the Graph simulator, the benchmark and the production rehearsal.
func init() {
	devCommands = map[string]func(context.Context, config.Config, []string) error{
		"dev":      runDev,
		"bench":    runBench,
		"temporal": temporalCLI,
		"rehearse": runRehearse,
	}
}

func runDev(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	reset := fs.Bool("reset", false, "first bring the demo data and the embedded Temporal state back to new")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return app.Dev(ctx, cfg, os.Stdout, *reset)
}

// temporalCLI runs the pinned Temporal CLI in this process's place, building
// it first when needed (.ci/run builds it this way before the tests).
func temporalCLI(ctx context.Context, cfg config.Config, args []string) error {
	bin, err := temporaldev.Binary(ctx, os.Stderr)
	if err != nil {
		return err
	}
	return syscall.Exec(bin, append([]string{"temporal"}, args...), cliEnv(cfg, os.Environ()))
}

// cliEnv gives the CLI the codec server (its --codec-endpoint and
// --codec-auth, through the variables it reads for them: a token in the
// arguments would show in every user's ps), dev's when nothing is set.
// Variables the caller set win.
func cliEnv(cfg config.Config, env []string) []string {
	if cfg.CodecAddr == "off" {
		return env
	}
	if cfg.CodecAuthToken == "" {
		cfg.CodecAuthToken = config.DevCodecAuthToken
	}
	if os.Getenv("TEMPORAL_CODEC_ENDPOINT") == "" {
		env = append(env, "TEMPORAL_CODEC_ENDPOINT="+cfg.CodecBaseURL())
	}
	if os.Getenv("TEMPORAL_CODEC_AUTH") == "" {
		env = append(env, "TEMPORAL_CODEC_AUTH=Bearer "+string(cfg.CodecAuthToken))
	}
	return env
}

func runBench(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	n := fs.Int("n", 300, "removals")
	c := fs.Int("c", 50, "at a time")
	warmup := fs.Int("warmup", 0, "unmeasured runs of each phase first, C at once (0: C, -1: none)")
	settle := fs.Int("settle", 0, "unmeasured runs of each phase after the warm-up, until pooled connections plan as a long-running service's do (0: 8 per pooled connection, -1: none)")
	rounds := fs.Int("rounds", 3, "alternate the phases in this many rounds of N/rounds runs each")
	t := app.Tuning(cfg)
	fs.IntVar(&t.WorkflowPollers, "workflow-pollers", t.WorkflowPollers, "workflow task pollers")
	fs.IntVar(&t.ActivityPollers, "activity-pollers", t.ActivityPollers, "activity task pollers")
	fs.BoolVar(&t.Autoscale, "autoscale", t.Autoscale, "let the SDK scale pollers")
	fs.BoolVar(&t.NoSticky, "no-sticky", t.NoSticky, "no sticky workflow cache")
	fs.BoolVar(&t.EagerActivities, "eager-activities", t.EagerActivities, "ask for eager activity execution")
	cpuProfile := fs.String("cpuprofile", "", "write this process's CPU profile (API, worker, driver) of each measured phase and round to `F`.e2e.1, F.bare.1, … (go tool pprof -diff_base F.bare.1 F.e2e.1)")
	plain := fs.Bool("plain", false, "the API and worker without the payload codec, tracing and metrics: the baseline that measures what they cost (docs/performance.md)")
	journal := fs.String("sqlite-journal", string(temporaldev.JournalWAL), "embedded server's SQLite commits: wal (WAL, synchronous=NORMAL) or full (SQLite's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := bench.Run(ctx, bench.Options{N: *n, C: *c, Warmup: *warmup, Settle: *settle, Tuning: t, Journal: temporaldev.Journal(*journal),
		Rounds: *rounds, DatabaseURL: cfg.DatabaseURL, CPUProfile: *cpuProfile, Plain: *plain, Out: os.Stdout})
	return err
}

func runRehearse(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("rehearse", flag.ContinueOnError)
	var o rehearsal.Options
	fs.IntVar(&o.Removals, "removals", 20, "removals through both APIs alternately, before the kills")
	fs.IntVar(&o.AfterRestarts, "after-restarts", 40, "removals through both APIs once the killed processes are back")
	fs.IntVar(&o.Concurrency, "c", 5, "removals at a time")
	fs.IntVar(&o.Throughput, "throughput", 40, "removals in each of the one-worker and two-worker phases")
	fs.IntVar(&o.Warnings, "warnings", 500, "removals left in completed_with_warnings for ops retry-unlinks --all")
	fs.IntVar(&o.Deploy, "deploy", 5, "removals each deploy phase and the codec key rotation leave waiting at the alert, at the code and with warnings, and start anew")
	fs.StringVar(&o.BinaryB, "binary-b", "", "build B of the deploy phases (default: built with -tags nodev,rehearsal_b from the source tree; none outside it)")
	fs.StringVar(&o.Binary, "binary", "", "the production binary (default: built with -tags nodev from the source tree, else this executable)")
	buildOnly := fs.Bool("build-only", false, "build the Temporal server and its schema tool, print their versions, and stop")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *buildOnly {
		bins, err := temporaldev.Cluster(ctx, os.Stderr)
		if err != nil {
			return err
		}
		for _, b := range []string{bins.Server, bins.SQLTool} {
			out, err := exec.CommandContext(ctx, b, "--version").Output()
			if err != nil {
				return fmt.Errorf("%s --version: %w", b, err)
			}
			fmt.Print(string(out))
		}
		return nil
	}
	o.Postgres, o.Progress = cfg.DatabaseURL, os.Stderr
	var err error
	if o.Binary, o.WorkDir, err = rehearsal.Locate(ctx, o.Binary, os.Stderr); err != nil {
		return err
	}
	if o.BinaryB == "" {
		if o.BinaryB, err = rehearsal.BuildB(ctx, o.Binary, os.Stderr); err != nil {
			return err
		}
	}
	res, err := rehearsal.Run(ctx, o)
	if res != nil {
		rehearsal.Print(os.Stdout, res)
	}
	if err != nil {
		return err
	}
	if res.Duplicates() > 0 || res.Missing() > 0 || res.SurvivorFailures > 0 {
		return fmt.Errorf("rehearsal: %d duplicate effects, %d missing effects, %d failed reads on the surviving API",
			res.Duplicates(), res.Missing(), res.SurvivorFailures)
	}
	return nil
}

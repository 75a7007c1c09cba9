package app

import (
	"testing"
	"time"

	"github.com/crm/channel-removal/config"
)

// The worker's options come from the configuration: a graceful stop as long
// as WORKER_STOP_TIMEOUT, and local activities no more than the database
// pool's connections (the SDK's defaults are 0 and 1,000).
func TestWorkerOptionsFollowTheConfiguration(t *testing.T) {
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, autoscale := range []bool{false, true} {
		cfg.WorkerPollerAutoscale = autoscale
		o := Tuning(cfg).Options()
		if o.WorkerStopTimeout != 2*time.Minute+10*time.Second {
			t.Errorf("autoscale %v: default stop timeout %s", autoscale, o.WorkerStopTimeout)
		}
		if o.MaxConcurrentLocalActivityExecutionSize != 20 || o.MaxConcurrentActivityExecutionSize != 100 {
			t.Errorf("autoscale %v: default pool of 20 gives %d local activities, %d activities", autoscale,
				o.MaxConcurrentLocalActivityExecutionSize, o.MaxConcurrentActivityExecutionSize)
		}
	}

	t.Setenv("DATABASE_POOL_SIZE", "7")
	t.Setenv("WORKER_STOP_TIMEOUT", "45s")
	if cfg, err = config.Load(); err != nil {
		t.Fatal(err)
	}
	o := Tuning(cfg).Options()
	if o.WorkerStopTimeout != 45*time.Second || o.MaxConcurrentLocalActivityExecutionSize != 7 || o.MaxConcurrentActivityExecutionSize != 35 {
		t.Errorf("DATABASE_POOL_SIZE=7 WORKER_STOP_TIMEOUT=45s: stop %s, %d local activities, %d activities",
			o.WorkerStopTimeout, o.MaxConcurrentLocalActivityExecutionSize, o.MaxConcurrentActivityExecutionSize)
	}
}

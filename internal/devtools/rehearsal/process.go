package rehearsal

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// process is one of the rehearsal's subprocesses, its output appended to a
// log file so a restart keeps the earlier run's lines.
type process struct {
	name, path string
	args, env  []string
	logFile    string
	cmd        *exec.Cmd
	done       chan struct{}
}

func (p *process) start() error {
	f, err := os.OpenFile(p.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "\n=== %s start %s ===\n", p.name, time.Now().Format(time.RFC3339))
	p.cmd = exec.Command(p.path, p.args...)
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = p.env, f, f
	// Its own process group: a Ctrl-C on the rehearsal reaches the
	// rehearsal, which then stops its children in order.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.done = make(chan struct{})
	go func() { p.cmd.Wait(); f.Close(); close(p.done) }()
	return nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill is kill -9: no deferred function, no graceful shutdown.
func (p *process) kill() {
	if p.running() {
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// stop asks for a graceful shutdown, then kills after 15 s.
func (p *process) stop() {
	if !p.running() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill()
	}
}

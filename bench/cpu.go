package bench

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crm/channel-removal/temporaldev"
)

// measured runs a phase and adds the CPU it cost to it.
func measured(srv *temporaldev.Server, run func() (Phase, error)) (Phase, error) {
	s0, m0, p0 := srv.CPUTime(), selfCPU(), machineCPU()
	p, err := run()
	p.ServerCPU, p.SelfCPU, p.MachineCPU = srv.CPUTime()-s0, selfCPU()-m0, machineCPU()-p0
	return p, err
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU is the busy time of all CPUs (user, nice, system, irq, softirq,
// steal) from /proc/stat.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal
	var busy int64
	for i, v := range f {
		if i == 0 || i == 4 || i == 5 || i > 8 {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / 100
}

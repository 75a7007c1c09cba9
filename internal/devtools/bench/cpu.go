package bench

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crm/channel-removal/internal/devtools/temporaldev"
)

// measured runs a phase and adds the CPU it cost to it. With a profile path it
// also writes this process's CPU profile of the phase there, so that the two
// phases' profiles can be compared (go tool pprof -diff_base).
func measured(srv *temporaldev.Server, profile string, run func() (Phase, error)) (Phase, error) {
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return Phase{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return Phase{}, err
		}
		defer pprof.StopCPUProfile()
	}
	server := fmt.Sprintf("/proc/%d/stat", srv.PID())
	s0, m0, g0, p0 := procStatCPU(server), selfCPU(), processCPU("postgres"), machineCPU()
	p, err := run()
	p.ServerCPU, p.SelfCPU, p.PostgresCPU, p.MachineCPU = procStatCPU(server)-s0, selfCPU()-m0, processCPU("postgres")-g0, machineCPU()-p0
	return p, err
}

// processCPU sums the CPU time of the processes named comm (Postgres's
// backends, checkpointer, WAL writer, …) from /proc, with the time of their
// children that ended: a backend that ends during the phase moves its time
// to the postmaster's reaped children's, so the sum never goes back.
func processCPU(comm string) time.Duration {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		name, err := os.ReadFile("/proc/" + d.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(name)) != comm {
			continue
		}
		total += procStatCPU("/proc/"+d.Name()+"/stat", true)
	}
	return total
}

// procStatCPU reads utime+stime from a /proc/<pid>/stat file and, with
// children, the reaped children's cutime+cstime.
func procStatCPU(path string, children ...bool) time.Duration {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')') // the command name may hold spaces
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	if len(children) > 0 && children[0] && len(f) >= 15 {
		cutime, _ := strconv.ParseInt(f[13], 10, 64)
		cstime, _ := strconv.ParseInt(f[14], 10, 64)
		utime, stime = utime+cutime, stime+cstime
	}
	return time.Duration(utime+stime) * time.Second / 100
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

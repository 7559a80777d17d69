// CPU time of another process (the server), from /proc.

package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// serverCPU returns the CPU time in ns used so far by the ServerPID
// process, or -1 when it cannot be read (no pid, not Linux, gone).
func (rn *runner) serverCPU() int64 {
	if rn.o.ServerPID <= 0 {
		return -1
	}
	return processCPU(rn.o.ServerPID)
}

// processCPU sums the on-CPU time of every thread of pid in ns
// (/proc/PID/task/*/schedstat, first field), falling back to utime+stime
// of /proc/PID/stat in clock ticks (USER_HZ, 100 on Linux) when
// schedstat is not available. It returns -1 on failure.
func processCPU(pid int) int64 {
	base := filepath.Join("/proc", strconv.Itoa(pid))
	tasks, _ := filepath.Glob(filepath.Join(base, "task", "*", "schedstat"))
	var sum int64
	n := 0
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		if v, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			sum += v
			n++
		}
	}
	if n > 0 {
		return sum
	}
	b, err := os.ReadFile(filepath.Join(base, "stat"))
	if err != nil {
		return -1
	}
	return statCPU(b)
}

// statCPU parses utime+stime (fields 14 and 15) of a /proc/PID/stat line
// into ns. The command name (field 2) may contain spaces and parentheses,
// so fields are counted after its last ')'.
func statCPU(b []byte) int64 {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): utime is field 14, stime 15.
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	const userHZ = 100
	return (u + s) * (1e9 / userHZ)
}

// The monitor server (<zeo> monitor-address): ZEO 4's plain-text
// statistics report, sent to whoever connects, after which the server
// closes the connection.

package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
	"github.com/gozeo/gozeo/tools/config"
)

// The report, as ZEO 4's monitor.py StatsServer wrote it (one line per
// print, storages sorted by name, a blank line after each block; "Commit
// lock held for" only while a commit lock is held):
//
//	ZEO monitor server version gozeo (devel)
//	Mon Jan  5 10:31:07 2026
//
//	Storage: 1
//	Server started: Mon Jan  5 09:00:00 2026
//	Clients: 3
//	Clients verifying: 0
//	Active transactions: 1
//	Commit lock held for: 2
//	Commits: 1200
//	Aborts: 3
//	Loads: 50211
//	Stores: 4100
//	Conflicts: 2
//	Conflicts resolved: 0
//
// Values never contain a colon, so "key: value" lines split on it, as the
// munin plugins written for ZEO 4 do.

// monitorWriteTimeout bounds writing one report to a monitor client.
const monitorWriteTimeout = 5 * time.Second

// StatsSource is what the monitor and the metrics read: the engine's
// statistics snapshots.
type StatsSource interface {
	Stats() map[string]proto.Stats
	StorageNames() []string
}

// WriteMonitorReport writes ZEO 4's monitor report of every storage's
// statistics, as of now, with times in loc (nil: time.Local).
func WriteMonitorReport(w io.Writer, src StatsSource, now time.Time, loc *time.Location) error {
	if loc == nil {
		loc = time.Local
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "ZEO monitor server version %s\n", monitorVersion())
	fmt.Fprintf(bw, "%s\n\n", zeo5.Ctime(now.In(loc)))
	stats := src.Stats()
	for _, name := range src.StorageNames() {
		st := stats[name]
		fmt.Fprintf(bw, "Storage: %s\n", name)
		fmt.Fprintf(bw, "Server started: %s\n", zeo5.Ctime(unixFloat(st.Start).In(loc)))
		fmt.Fprintf(bw, "Clients: %d\n", st.Connections)
		fmt.Fprintf(bw, "Clients verifying: %d\n", st.Verifying)
		fmt.Fprintf(bw, "Active transactions: %d\n", st.ActiveTxns)
		if st.LockTime != 0 {
			held := max(now.Sub(unixFloat(st.LockTime)), 0)
			fmt.Fprintf(bw, "Commit lock held for: %d\n", int64(held/time.Second))
		}
		fmt.Fprintf(bw, "Commits: %d\n", st.Commits)
		fmt.Fprintf(bw, "Aborts: %d\n", st.Aborts)
		fmt.Fprintf(bw, "Loads: %d\n", st.Loads)
		fmt.Fprintf(bw, "Stores: %d\n", st.Stores)
		fmt.Fprintf(bw, "Conflicts: %d\n", st.Conflicts)
		fmt.Fprintf(bw, "Conflicts resolved: %d\n\n", st.ConflictsResolved)
	}
	return bw.Flush()
}

// unixFloat turns a Unix time in float seconds into a time.Time.
func unixFloat(f float64) time.Time {
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9))
}

// monitorVersion names the server in the report's first line: "gozeo" and
// the module version the binary was built from.
func monitorVersion() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return "gozeo " + v
}

// monitorServer answers every connection with the report and closes it.
type monitorServer struct {
	ln   net.Listener
	src  StatsSource
	log  *slog.Logger
	addr net.Addr
	wg   sync.WaitGroup
}

// listenMonitor opens the monitor's listener; serve starts answering.
func listenMonitor(a config.Address, log *slog.Logger) (*monitorServer, error) {
	ln, err := listenAddress(a)
	if err != nil {
		return nil, fmt.Errorf("monitor-address: %w", err)
	}
	return &monitorServer{ln: ln, log: log, addr: ln.Addr()}, nil
}

func (m *monitorServer) serve(src StatsSource) {
	m.src = src
	m.log.Info("monitor listening", "address", m.addr.String())
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for {
			c, err := m.ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				m.log.Error("monitor accept", "err", err.Error())
				time.Sleep(50 * time.Millisecond)
				continue
			}
			m.wg.Add(1)
			go m.answer(c)
		}
	}()
}

func (m *monitorServer) answer(c net.Conn) {
	defer m.wg.Done()
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(monitorWriteTimeout))
	if err := WriteMonitorReport(c, m.src, time.Now(), nil); err != nil {
		m.log.Warn("monitor report not delivered", "client", peerString(c), "err", err.Error())
	}
}

// close stops the listener and waits for reports being written.
func (m *monitorServer) close() {
	_ = m.ln.Close()
	m.wg.Wait()
}

// gozeo status: a server's statistics, through the native ServerStatus
// call or ZEO's ruok probe.

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

func init() {
	Register(&Command{
		Name:    "status",
		Summary: "print a server's statistics (native ServerStatus, or ZEO's ruok probe with --ruok)",
		Usage:   "[--ruok] [--json] [--timeout D] [TLS flags] ADDRESS[:STORAGE]",
		Run:     runStatus,
	})
}

// StorageStatus is one storage's statistics as the status command shows
// them. Verifying, Objects and Size come only from the native call.
type StorageStatus struct {
	Name               string   `json:"name"`
	Connections        int64    `json:"connections"`
	Loads              int64    `json:"loads"`
	Stores             int64    `json:"stores"`
	Commits            int64    `json:"commits"`
	Aborts             int64    `json:"aborts"`
	ActiveTransactions int64    `json:"active_transactions"`
	Conflicts          int64    `json:"conflicts"`
	ConflictsResolved  int64    `json:"conflicts_resolved"`
	Waiting            int64    `json:"waiting"`
	Verifying          *int64   `json:"verifying,omitempty"`
	CommitLockSince    *float64 `json:"commit_lock_since"` // Unix time; null when no lock is held
	ServerStarted      float64  `json:"server_started"`    // Unix time
	LastTransaction    string   `json:"last_transaction"`  // 16 hex digits
	LastTransactionAt  string   `json:"last_transaction_time,omitempty"`
	TransactionTimeout bool     `json:"transaction_timeout"`
	Objects            *int64   `json:"objects,omitempty"`
	Size               *int64   `json:"size,omitempty"`
	ReadOnly           *bool    `json:"read_only,omitempty"`
}

// Status is the status command's answer.
type Status struct {
	Address  string          `json:"address"`
	Probe    string          `json:"probe"` // "native" or "ruok"
	Storages []StorageStatus `json:"storages"`
}

// statusFromStats converts the engine's statistics.
func statusFromStats(name string, st proto.Stats) StorageStatus {
	s := StorageStatus{
		Name: name, Connections: st.Connections, Loads: st.Loads, Stores: st.Stores,
		Commits: st.Commits, Aborts: st.Aborts, ActiveTransactions: st.ActiveTxns,
		Conflicts: st.Conflicts, ConflictsResolved: st.ConflictsResolved, Waiting: st.Waiting,
		ServerStarted: st.Start, LastTransaction: st.LastTransaction.String(),
		TransactionTimeout: st.TimeoutEnabled,
	}
	if st.LockTime != 0 {
		lt := st.LockTime
		s.CommitLockSince = &lt
	}
	if st.LastTransaction != 0 {
		s.LastTransactionAt = st.LastTransaction.Time().UTC().Format(time.RFC3339Nano)
	}
	return s
}

// NativeStatus asks the server for one storage's statistics with the
// native ServerStatus call (the probe registers read-only, so it counts
// itself among the connections).
func NativeStatus(ctx context.Context, addr, storage string, opts *client.Options) (*Status, error) {
	o := *opts
	o.Storage, o.ReadOnly = storage, true
	c, err := client.Open(ctx, []string{addr}, &o)
	if err != nil {
		return nil, explainOpen(addr, err)
	}
	defer c.Close()
	st, err := c.ServerStatus()
	if err != nil {
		return nil, err
	}
	info := c.Info()
	s := statusFromStats(storage, st)
	v, n, size, ro := st.Verifying, info.Length, info.Size, info.ReadOnly
	s.Verifying, s.Objects, s.Size, s.ReadOnly = &v, &n, &size, &ro
	return &Status{Address: addr, Probe: "native", Storages: []StorageStatus{s}}, nil
}

// WriteStatusTable prints the statistics, one column per storage.
func WriteStatusTable(w io.Writer, s *Status, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label string, f func(st *StorageStatus) string) {
		fmt.Fprint(tw, label)
		for i := range s.Storages {
			fmt.Fprintf(tw, "\t%s", f(&s.Storages[i]))
		}
		fmt.Fprintln(tw)
	}
	optional := func(label string, present func(st *StorageStatus) bool, f func(st *StorageStatus) string) {
		for i := range s.Storages {
			if present(&s.Storages[i]) {
				row(label, f)
				return
			}
		}
	}
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	fmt.Fprintf(tw, "server\t%s (%s)\n", s.Address, s.Probe)
	row("storage", func(st *StorageStatus) string { return st.Name })
	optional("read-only", func(st *StorageStatus) bool { return st.ReadOnly != nil }, func(st *StorageStatus) string {
		return strconv.FormatBool(st.ReadOnly != nil && *st.ReadOnly)
	})
	optional("objects", func(st *StorageStatus) bool { return st.Objects != nil }, func(st *StorageStatus) string { return i64(deref(st.Objects)) })
	optional("size", func(st *StorageStatus) bool { return st.Size != nil }, func(st *StorageStatus) string { return i64(deref(st.Size)) })
	row("last transaction", func(st *StorageStatus) string {
		if st.LastTransactionAt == "" {
			return st.LastTransaction + " (empty)"
		}
		t, _ := time.Parse(time.RFC3339Nano, st.LastTransactionAt)
		return st.LastTransaction + " (" + t.Format("2006-01-02 15:04:05.000000") + " UTC)"
	})
	row("server started", func(st *StorageStatus) string {
		if st.ServerStarted == 0 {
			return "?"
		}
		return zeo5.Ctime(time.Unix(int64(st.ServerStarted), 0).Local())
	})
	row("connections", func(st *StorageStatus) string { return i64(st.Connections) })
	optional("verifying", func(st *StorageStatus) bool { return st.Verifying != nil }, func(st *StorageStatus) string { return i64(deref(st.Verifying)) })
	row("active transactions", func(st *StorageStatus) string { return i64(st.ActiveTransactions) })
	row("waiting for locks", func(st *StorageStatus) string { return i64(st.Waiting) })
	row("commit lock", func(st *StorageStatus) string {
		if st.CommitLockSince == nil {
			return "not held"
		}
		held := now.Sub(time.Unix(0, int64(*st.CommitLockSince*1e9)))
		return "held for " + max(held, 0).Truncate(time.Millisecond).String()
	})
	row("commits", func(st *StorageStatus) string { return i64(st.Commits) })
	row("aborts", func(st *StorageStatus) string { return i64(st.Aborts) })
	row("loads", func(st *StorageStatus) string { return i64(st.Loads) })
	row("stores", func(st *StorageStatus) string { return i64(st.Stores) })
	row("conflicts", func(st *StorageStatus) string { return i64(st.Conflicts) })
	row("conflicts resolved", func(st *StorageStatus) string { return i64(st.ConflictsResolved) })
	row("transaction timeout", func(st *StorageStatus) string {
		if st.TransactionTimeout {
			return "on"
		}
		return "off"
	})
	return tw.Flush()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func runStatus(ctx context.Context, env *Env, args []string) error {
	cmd := Lookup("status")
	fs := NewFlagSet(env, cmd)
	ruok := fs.Bool("ruok", false, "use ZEO's ruok probe (any ZEO 5 server; every storage) instead of the native ServerStatus call")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	nf := addNetFlags(fs, 10*time.Second)
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one ADDRESS[:STORAGE]", ErrUsage)
	}
	addr, storage, err := SplitTarget(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	tlsCfg, err := nf.tlsConfig(addr)
	if err != nil {
		return err
	}
	var st *Status
	if *ruok {
		rctx, cancel := context.WithTimeout(ctx, nf.timeout)
		defer cancel()
		st, err = Ruok(rctx, addr, tlsCfg)
	} else {
		// The client waits at most the timeout for a connection (its
		// error then says why the last attempt failed).
		st, err = NativeStatus(ctx, addr, storage, nf.clientOptions(tlsCfg))
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return WriteStatusTable(env.Stdout, st, time.Now())
}

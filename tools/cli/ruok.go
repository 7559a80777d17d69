// ZEO's ruok probe: the statistics of every storage of any ZEO 5 server.

package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// maxRuokReply bounds the ruok JSON a probe accepts.
const maxRuokReply = 16 << 20

// Ruok runs ZEO's health probe: it sends "ruok" as its handshake, reads
// the server's greeting and the JSON statistics of every storage, and
// lets the server close. It works against any ZEO 5 server.
func Ruok(ctx context.Context, addr string, tlsCfg *tls.Config) (*Status, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, addrNetwork(addr), addr)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	conn := raw
	if tlsCfg != nil {
		tc := tls.Client(raw, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
		}
		conn = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write(zeo5.AppendRuok(nil)); err != nil {
		return nil, fmt.Errorf("ruok to %s: %w", addr, err)
	}
	greeting, err := readFrame(conn, 64)
	if err != nil {
		return nil, fmt.Errorf("ruok: reading the greeting of %s: %w", addr, err)
	}
	if _, err := zeo5.ParseServerHandshake(greeting); err != nil {
		return nil, fmt.Errorf("ruok: %s is not a ZEO 5 server (greeting %q): %w", addr, greeting, err)
	}
	body, err := readFrame(conn, maxRuokReply)
	if err != nil {
		return nil, fmt.Errorf("ruok: reading the statistics of %s: %w", addr, err)
	}
	storages, err := parseRuok(body)
	if err != nil {
		return nil, fmt.Errorf("ruok: %s: %w", addr, err)
	}
	return &Status{Address: addr, Probe: "ruok", Storages: storages}, nil
}

// readFrame reads one length-prefixed frame of at most limit bytes.
func readFrame(r io.Reader, limit uint32) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := uint32(hdr[0])<<24 | uint32(hdr[1])<<16 | uint32(hdr[2])<<8 | uint32(hdr[3])
	if n > limit {
		return nil, fmt.Errorf("frame of %d bytes, more than %d", n, limit)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

// ruokStats is one storage in the ruok JSON (ZEO's server_status keys).
type ruokStats struct {
	Connections       int64           `json:"connections"`
	Loads             int64           `json:"loads"`
	Stores            int64           `json:"stores"`
	Commits           int64           `json:"commits"`
	Aborts            int64           `json:"aborts"`
	ActiveTxns        int64           `json:"active_txns"`
	LockTime          *float64        `json:"lock_time"`
	Conflicts         int64           `json:"conflicts"`
	ConflictsResolved int64           `json:"conflicts_resolved"`
	Start             string          `json:"start"`
	Waiting           int64           `json:"waiting"`
	TimeoutThread     json.RawMessage `json:"timeout-thread-is-alive"`
	LastTransaction   string          `json:"last-transaction"`
}

// parseRuok decodes the ruok JSON, storages sorted by name.
func parseRuok(body []byte) ([]StorageStatus, error) {
	var m map[string]ruokStats
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("bad statistics JSON: %w", err)
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]StorageStatus, 0, len(names))
	for _, name := range names {
		r := m[name]
		tid, err := proto.ParseTid(r.LastTransaction)
		if err != nil {
			return nil, fmt.Errorf("storage %q: last-transaction %q: %w", name, r.LastTransaction, err)
		}
		st := proto.Stats{
			Connections: r.Connections, Loads: r.Loads, Stores: r.Stores, Commits: r.Commits,
			Aborts: r.Aborts, ActiveTxns: r.ActiveTxns, Conflicts: r.Conflicts,
			ConflictsResolved: r.ConflictsResolved, Waiting: r.Waiting, LastTransaction: tid,
			TimeoutEnabled: string(r.TimeoutThread) == "true",
		}
		if r.LockTime != nil {
			st.LockTime = *r.LockTime
		}
		// ZEO sends time.ctime() of the server's start, in its local time.
		if t, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", r.Start, time.Local); err == nil {
			st.Start = float64(t.Unix())
		}
		out = append(out, statusFromStats(name, st))
	}
	return out, nil
}

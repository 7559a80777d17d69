// Parsing real configurations: ZEO's documentation example, the fixtures'
// runzeo files, the shipped examples, and the command-line overrides.

package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto/compress"
	"github.com/gozeo/gozeo/proto/prototest"
)

// The project's long test modes pass -long to every package.
var _ = flag.Bool("long", false, "run the long test modes")

func parse(t *testing.T, text string) *Config {
	t.Helper()
	cfg, err := Parse("zeo.conf", strings.NewReader(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

// TestZEODocExample parses the example of ZEO's server documentation.
func TestZEODocExample(t *testing.T) {
	cfg := parse(t, `<zeo>
  address zeo.example.com:8090
  monitor-address zeo.example.com:8091
</zeo>

<filestorage 1>
  path /var/tmp/Data.fs
</filestorage>

<eventlog>
  <logfile>
    path /var/tmp/zeo.log
    format %(asctime)s %(message)s
  </logfile>
</eventlog>
`)
	want := DefaultConfig()
	want.ZEO.Address = Address{Net: "tcp", Host: "zeo.example.com", Port: 8090}
	want.ZEO.MonitorAddress = Address{Net: "tcp", Host: "zeo.example.com", Port: 8091}
	want.Storages = []Storage{{Name: "1", Path: "/var/tmp/Data.fs", PackGC: true, PackKeepOld: true, Source: "zeo.conf:6"}}
	want.EventLog = EventLog{Level: 20, Logfiles: []Logfile{{Path: "/var/tmp/zeo.log", Format: "%(asctime)s %(message)s"}}}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := cfg.ZEO.Address.String(); s != "zeo.example.com:8090" {
		t.Errorf("address String() = %q", s)
	}
}

// TestFixtureConfs parses the runzeo files the ZEO fixtures were recorded
// with.
func TestFixtureConfs(t *testing.T) {
	for mode, port := range map[string]int{"msgpack": 28210, "pickle": 28211} {
		cfg, err := ParseFile(prototest.Fixture(t, "zeo-wire/"+mode+"/zeo.conf"))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ZEO.Address != (Address{Net: "tcp", Host: "127.0.0.1", Port: port}) {
			t.Errorf("%s: address %+v", mode, cfg.ZEO.Address)
		}
		if cfg.ZEO.Msgpack == nil || *cfg.ZEO.Msgpack != (mode == "msgpack") || cfg.ZEO.UseMsgpack() != (mode == "msgpack") {
			t.Errorf("%s: msgpack %v", mode, cfg.ZEO.Msgpack)
		}
		if len(cfg.Storages) != 1 || cfg.Storages[0].Name != "1" || cfg.Storages[0].Path != "Data.fs" {
			t.Errorf("%s: storages %+v", mode, cfg.Storages)
		}
		if cfg.EventLog.Level != 20 || len(cfg.EventLog.Logfiles) != 1 || cfg.EventLog.Logfiles[0].Path != "server.log" {
			t.Errorf("%s: eventlog %+v", mode, cfg.EventLog)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
	}
}

func TestExamples(t *testing.T) {
	files, err := filepath.Glob("examples/*.conf")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		cfg, err := ParseFile(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	two, err := ParseFile("examples/two-storages.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(two.Storages) != 2 || two.Storages[0].Path != "var/main.fs" || two.Storages[1].Path != "var/catalog.fs" ||
		two.Storages[0].Compress != compress.Zlib || two.Storages[1].Compress != compress.Zstd ||
		two.Storages[1].Quota != 20<<30 || two.Storages[0].PackKeepOld || two.ZEO.TransactionTimeout != 30*time.Second {
		t.Errorf("two-storages: %+v", two)
	}
	tls, err := ParseFile("examples/tls-monitor-metrics.conf")
	if err != nil {
		t.Fatal(err)
	}
	wantSSL := &SSL{Certificate: "/etc/gozeo/server.pem", Key: "/etc/gozeo/server.key", Authenticate: "/etc/gozeo/clients-ca.pem"}
	z := tls.ZEO
	if !reflect.DeepEqual(z.SSL, wantSSL) || z.MetricsAddress.String() != "127.0.0.1:9100" ||
		z.MonitorAddress.Port != 8101 || z.MaxFrameSize != 256<<20 || z.OutputBufferLimit != 128<<20 ||
		z.MaxConnections != 2000 || z.InvalidationAge != time.Hour || z.PidFilename != "/run/gozeo/gozeo.pid" {
		t.Errorf("tls: %+v", z)
	}
	if lf := tls.EventLog.Logfiles; len(lf) != 2 || lf[1].Format != "%(levelname)s\t%(message)s" || lf[1].Level != 40 || lf[0].Format != DefaultLogFormat {
		t.Errorf("tls logfiles: %+v", lf)
	}
}

func TestDefaultsAndOverrides(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err == nil || !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "no address") || !strings.Contains(err.Error(), "no storage") {
		t.Fatalf("empty default config: Validate = %v", err)
	}
	timeout := 90 * time.Second
	queue := 0
	if err := cfg.Apply(Overrides{Address: "8100", Filenames: []string{"Data.fs", "Other.fs"}, ReadOnly: true,
		TransactionTimeout: &timeout, InvalidationQueueSize: &queue}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	z := cfg.ZEO
	if z.Address != (Address{Net: "tcp", Port: 8100}) || z.Address.String() != ":8100" || !z.ReadOnly ||
		z.TransactionTimeout != timeout || z.InvalidationQueueSize != 0 {
		t.Errorf("zeo after Apply: %+v", z)
	}
	if len(cfg.Storages) != 2 || cfg.Storages[0].Name != "1" || cfg.Storages[1].Name != "2" ||
		cfg.Storages[1].Path != "Other.fs" || !cfg.Storages[0].PackGC {
		t.Errorf("storages after Apply: %+v", cfg.Storages)
	}

	// The flags win over the file; -f adds to the file's storages.
	cfg = parse(t, "<zeo>\naddress 10.0.0.1:8100\n</zeo>\n<filestorage 1>\npath a.fs\n</filestorage>\n")
	if err := cfg.Apply(Overrides{Address: "/tmp/zeo.sock", Filenames: []string{"b.fs"}}); err != nil {
		t.Fatal(err)
	}
	if cfg.ZEO.Address != (Address{Net: "unix", Path: "/tmp/zeo.sock"}) || cfg.ZEO.Address.Network() != "unix" {
		t.Errorf("address %+v", cfg.ZEO.Address)
	}
	if len(cfg.Storages) != 2 || cfg.Storages[1].Name != "2" {
		t.Errorf("storages %+v", cfg.Storages)
	}

	for _, bad := range []Overrides{{Address: "nope"}, {Filenames: []string{""}}} {
		if err := DefaultConfig().Apply(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Apply(%+v) = %v", bad, err)
		}
	}
	cfg = parse(t, "<filestorage 2>\npath a.fs\n</filestorage>\n")
	if err := cfg.Apply(Overrides{Filenames: []string{"b.fs"}}); err == nil || !strings.Contains(err.Error(), `storage name "2" is already used by zeo.conf:1`) {
		t.Errorf("-f clashing with a named storage: %v", err)
	}
}

func TestMsgpackEnv(t *testing.T) {
	cfg := parse(t, "<zeo>\naddress :1\n</zeo>\n")
	t.Setenv("ZEO_MSGPACK", "")
	if cfg.ZEO.UseMsgpack() {
		t.Error("msgpack unset and ZEO_MSGPACK empty: UseMsgpack true")
	}
	t.Setenv("ZEO_MSGPACK", "1")
	if !cfg.ZEO.UseMsgpack() {
		t.Error("msgpack unset and ZEO_MSGPACK=1: UseMsgpack false")
	}
	cfg = parse(t, "<zeo>\naddress :1\nmsgpack off\n</zeo>\n")
	if cfg.ZEO.UseMsgpack() {
		t.Error("msgpack off overridden by the environment")
	}
}

func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "none.conf"))
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, os.ErrNotExist) || !strings.HasSuffix(err.Error(), "none.conf: cannot read: no such file or directory") {
		t.Fatalf("error %v", err)
	}
}

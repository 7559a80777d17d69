// Datatypes, substitution, %define and %include, and the exact messages of
// bad configurations.

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDatatypes(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "Yes": true, "ON": true, "1": true, "false": false, "no": false, "Off": false, "0": false} {
		if got, err := parseBool(in); err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "y", "2", "enabled"} {
		if _, err := parseBool(bad); err == nil {
			t.Errorf("parseBool(%q) accepted", bad)
		}
	}
	sizes := map[string]int64{"0": 0, "512": 512, "512KB": 512 << 10, "20MB": 20 << 20, "20mb": 20 << 20, "1GB": 1 << 30, "2 TB": 2 << 40, "64Mb": 64 << 20}
	for in, want := range sizes {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "1.5MB", "-1", "20XB", "9999999TB", "0x10"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
	secs := map[string]time.Duration{"0": 0, "30": 30 * time.Second, "0.5": 500 * time.Millisecond, "1e3": 1000 * time.Second, "2.25": 2250 * time.Millisecond}
	for in, want := range secs {
		if got, err := parseSeconds(in); err != nil || got != want {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "NaN", "inf", "30s", "1e300"} {
		if _, err := parseSeconds(bad); err == nil {
			t.Errorf("parseSeconds(%q) accepted", bad)
		}
	}
	addrs := map[string]Address{
		"localhost:8100":    {Net: "tcp", Host: "localhost", Port: 8100},
		"ZEO.Example.com:1": {Net: "tcp", Host: "zeo.example.com", Port: 1},
		":8100":             {Net: "tcp", Port: 8100},
		"8100":              {Net: "tcp", Port: 8100},
		"[::1]:8100":        {Net: "tcp", Host: "::1", Port: 8100},
		"0.0.0.0:0":         {Net: "tcp", Host: "0.0.0.0", Port: 0},
		"/var/run/zeo.sock": {Net: "unix", Path: "/var/run/zeo.sock"},
		"./zeo.sock":        {Net: "unix", Path: "./zeo.sock"},
	}
	for in, want := range addrs {
		got, err := ParseAddress(in)
		if err != nil || got != want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	strs := map[string]string{"[::1]:8100": "[::1]:8100", "8100": ":8100", "h:1": "h:1", "/a/b": "/a/b"}
	for in, want := range strs {
		if a, _ := ParseAddress(in); a.String() != want {
			t.Errorf("ParseAddress(%q).String() = %q, want %q", in, a.String(), want)
		}
	}
	for _, bad := range []string{"", "localhost", "host:", "host:port", "host:70000", "::1", "::1:8100", "[nope]:1", "[1.2.3.4]:1", "a b:1", "-1"} {
		if a, err := ParseAddress(bad); err == nil {
			t.Errorf("ParseAddress(%q) accepted: %+v", bad, a)
		}
	}
	levels := map[string]LogLevel{"DEBUG": 10, "info": 20, "Warning": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50, "fatal": 50, "blather": 15, "trace": 5, "notset": 0, "all": 1, "35": 35}
	for in, want := range levels {
		if got, err := parseLevel(in); err != nil || got != want {
			t.Errorf("parseLevel(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "LOUD", "51", "-1"} {
		if _, err := parseLevel(bad); err == nil {
			t.Errorf("parseLevel(%q) accepted", bad)
		}
	}
	if LogLevel(30).String() != "WARNING" || LogLevel(35).String() != "35" || LogLevel(10).Slog().String() != "DEBUG" ||
		LogLevel(50).Slog().String() != "ERROR+4" || LogLevel(20).Slog().String() != "INFO" {
		t.Error("LogLevel String/Slog")
	}
	if f, err := parseFormat(`%(asctime)s\t%(levelname)-8s %(msecs)03d %(message)s%%`); err != nil || f != "%(asctime)s\t%(levelname)-8s %(msecs)03d %(message)s%%" {
		t.Errorf("parseFormat = %q, %v", f, err)
	}
	for _, bad := range []string{"%(nope)s", "%(message"} {
		if _, err := parseFormat(bad); err == nil {
			t.Errorf("parseFormat(%q) accepted", bad)
		}
	}
}

// writeFiles creates files in a temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDefineAndInclude(t *testing.T) {
	t.Setenv("GOZEO_TEST_PORT", "8199")
	dir := writeFiles(t, map[string]string{
		"zeo.conf": `# Main file
%define HOME /srv/zodb
%define Name main
%define NAME main
%define home /srv/zodb
%include conf.d/zeo.conf
<filestorage Main>
  %include storage.inc
</filestorage>
<filestorage other>
  path ${HOME}/other-$$1.fs
</filestorage>
`,
		"conf.d/zeo.conf": `<zeo>
  address 127.0.0.1:$(GOZEO_TEST_PORT)
  %include ../limits.inc
</zeo>
`,
		"limits.inc":  "max-frame-size 1MB\n",
		"storage.inc": "path $HOME/Data.fs\ncompress s2\n",
	})
	cfg, err := ParseFile(filepath.Join(dir, "zeo.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ZEO.Address.Port != 8199 || cfg.ZEO.MaxFrameSize != 1<<20 {
		t.Errorf("zeo %+v", cfg.ZEO)
	}
	if len(cfg.Storages) != 2 || cfg.Storages[0].Name != "main" || cfg.Storages[0].Path != "/srv/zodb/Data.fs" ||
		cfg.Storages[1].Path != "/srv/zodb/other-$1.fs" {
		t.Errorf("storages %+v", cfg.Storages)
	}
}

// TestBadConfigs checks the exact message of each kind of mistake.
func TestBadConfigs(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"loop.conf":  "%include loop.conf\n",
		"open.inc":   "<zeo>\naddress :1\n",
		"badkey.inc": "\n\nadress :1\n",
	})
	in := func(name string) string { return filepath.Join(dir, name) }
	cases := []struct{ name, text, want string }{
		{"unknown key", "<zeo>\n  address :1\n\n\n\n\n  adress :2\n</zeo>\n", `zeo.conf:7: unknown key "adress" in <zeo>`},
		{"unknown top-level key", "path x\n", `zeo.conf:1: unknown key "path" in top level`},
		{"unknown section", "<zeo>\n<tls>\n</tls>\n</zeo>\n", `zeo.conf:2: unknown section <tls> in <zeo>`},
		{"unknown top section", "\n<storage>\n</storage>\n", `zeo.conf:2: unknown section <storage> in top level`},
		{"unsupported storage", "<mappingstorage 1>\n</mappingstorage>\n", `zeo.conf:1: unsupported section <mappingstorage> in top level: gozeo serves <filestorage> storages only`},
		{"zlibstorage", "<zlibstorage>\n</zlibstorage>\n", `zeo.conf:1: unsupported section <zlibstorage> in top level: use "compress zlib" in <filestorage>: gozeo reads zc.zlibstorage records as they are`},
		{"syslog", "<eventlog>\n<syslog>\n</syslog>\n</eventlog>\n", `zeo.conf:2: unsupported section <syslog> in <eventlog>: only <logfile> handlers are supported`},
		{"duplicate key", "<zeo>\naddress :1\nADDRESS :2\n</zeo>\n", `zeo.conf:3: duplicate key "address" in <zeo> (first on line 2)`},
		{"duplicate zeo", "<zeo>\n</zeo>\n<zeo>\n</zeo>\n", `zeo.conf:3: duplicate section <zeo> (first on zeo.conf:1)`},
		{"duplicate ssl", "<zeo>\n<ssl>\ncertificate c\nauthenticate a\n</ssl>\n<ssl/>\n</zeo>\n", `zeo.conf:6: duplicate section <ssl> (first on zeo.conf:2)`},
		{"duplicate storage", "<filestorage>\npath a\n</filestorage>\n<filestorage 1>\npath b\n</filestorage>\n", `zeo.conf:4: duplicate storage name "1" (first on zeo.conf:1)`},
		{"duplicate storage case", "<filestorage Main>\npath a\n</filestorage>\n<filestorage MAIN>\npath b\n</filestorage>\n", `zeo.conf:4: duplicate storage name "main" (first on zeo.conf:1)`},
		{"missing path", "\n<filestorage 1>\n  read-only true\n</filestorage>\n", `zeo.conf:2: missing required key "path" in <filestorage 1>`},
		{"missing certificate", "<zeo>\n<ssl>\nauthenticate ca.pem\n</ssl>\n</zeo>\n", `zeo.conf:2: missing required key "certificate" in <ssl>`},
		{"missing authenticate", "<zeo>\n<ssl>\ncertificate c.pem\n</ssl>\n</zeo>\n", `zeo.conf:2: missing required key "authenticate" in <ssl>`},
		{"password function", "<zeo>\n<ssl>\ncertificate c\npassword-function mod.fn\nauthenticate a\n</ssl>\n</zeo>\n", `zeo.conf:4: bad value "mod.fn" for password-function in <ssl>: not supported: give an unencrypted key file`},
		{"missing logfile path", "<eventlog>\n<logfile>\n</logfile>\n</eventlog>\n", `zeo.conf:2: missing required key "path" in <logfile>`},
		{"empty value", "<zeo>\n  read-only\n</zeo>\n", `zeo.conf:2: missing value for read-only in <zeo>`},
		{"bad bool", "<zeo>\nread-only maybe\n</zeo>\n", `zeo.conf:2: bad value "maybe" for read-only in <zeo>: not a boolean (use true/false, yes/no, on/off or 1/0)`},
		{"bad int", "<zeo>\ninvalidation-queue-size lots\n</zeo>\n", `zeo.conf:2: bad value "lots" for invalidation-queue-size in <zeo>: not an integer`},
		{"negative int", "<zeo>\ninvalidation-queue-size -5\n</zeo>\n", `zeo.conf:2: bad value "-5" for invalidation-queue-size in <zeo>: must not be negative`},
		{"bad seconds", "<zeo>\ntransaction-timeout 30s\n</zeo>\n", `zeo.conf:2: bad value "30s" for transaction-timeout in <zeo>: not a number of seconds`},
		{"bad size", "<filestorage>\npath a\nquota 10XB\n</filestorage>\n", `zeo.conf:3: bad value "10XB" for quota in <filestorage>: not a size (use a byte count, optionally with a KB, MB, GB or TB suffix)`},
		{"frame too small", "<zeo>\nmax-frame-size 10\n</zeo>\n", `zeo.conf:2: bad value "10" for max-frame-size in <zeo>: must be at least 64 bytes`},
		{"frame too large", "<zeo>\nmax-frame-size 4GB\n</zeo>\n", `zeo.conf:2: bad value "4GB" for max-frame-size in <zeo>: must be below 4GB`},
		{"zero connections", "<zeo>\nmax-connections 0\n</zeo>\n", `zeo.conf:2: bad value "0" for max-connections in <zeo>: must be at least 1`},
		{"bad address", "<zeo>\naddress localhost\n</zeo>\n", `zeo.conf:2: bad value "localhost" for address in <zeo>: missing port (use host:port, [ipv6]:port, :port, a port, or a unix socket path containing "/")`},
		{"bad port", "<zeo>\nmonitor-address h:99999\n</zeo>\n", `zeo.conf:2: bad value "h:99999" for monitor-address in <zeo>: port "99999" is not a number from 0 to 65535`},
		{"bad codec", "<filestorage x>\npath a\ncompress lz4\n</filestorage>\n", `zeo.conf:3: bad value "lz4" for compress in <filestorage x>: not a codec (use zlib, zstd, s2 or off)`},
		{"bad level", "<eventlog>\nlevel LOUD\n</eventlog>\n", `zeo.conf:2: bad value "LOUD" for level in <eventlog>: not a log level (use CRITICAL, ERROR, WARNING, INFO, DEBUG, NOTSET or a number from 0 to 50)`},
		{"bad format", "<eventlog>\n<logfile>\npath x\nformat %(when)s\n</logfile>\n</eventlog>\n", `zeo.conf:4: bad value "%(when)s" for format in <logfile>: unknown log record field "when" in format`},
		{"unclosed", "<zeo>\n  address :1\n", `zeo.conf:1: section <zeo> is not closed`},
		{"unbalanced", "<zeo>\n<ssl>\n</zeo>\n", `zeo.conf:3: section end </zeo> does not match <ssl> opened on line 2`},
		{"unexpected end", "\n</zeo>\n", `zeo.conf:2: unexpected section end </zeo>: no section is open`},
		{"malformed start", "<zeo\n", `zeo.conf:1: malformed section start "<zeo"`},
		{"malformed end", "<zeo>\n</zeo\n", `zeo.conf:2: malformed section end "</zeo"`},
		{"malformed header", "<a b c>\n", `zeo.conf:1: malformed section header "<a b c>"`},
		{"empty header", "<>\n", `zeo.conf:1: malformed section header "<>"`},
		{"parens in key", "<zeo>\nad(dress) :1\n</zeo>\n", `zeo.conf:2: malformed configuration data "ad(dress) :1"`},
		{"unknown directive", "%defne X 1\n", `zeo.conf:1: unknown directive %defne`},
		{"missing directive argument", "%include\n", `zeo.conf:1: missing argument to %include`},
		{"import", "%import zc.zlibstorage\n", `zeo.conf:1: %import zc.zlibstorage is not supported: gozeo's schema is fixed`},
		{"bad define name", "%define 1X 2\n", `zeo.conf:1: not a legal substitution name: "1x"`},
		{"redefine", "%define X 1\n%define x 2\n", `zeo.conf:2: cannot redefine "x"`},
		{"undefined", "<zeo>\naddress $HOST:1\n</zeo>\n", `zeo.conf:2: no replacement for $HOST`},
		{"undefined braces", "%define A 1\n<zeo>\naddress ${B}\n</zeo>\n", `zeo.conf:3: no replacement for $B`},
		{"lone dollar", "<zeo>\npid-filename cost$\n</zeo>\n", `zeo.conf:2: illegal lone '$' at end of value`},
		{"dollar not name", "<zeo>\npid-filename a$-b\n</zeo>\n", `zeo.conf:2: '$' not followed by '$' or a name`},
		{"open brace", "<zeo>\npid-filename ${a\n</zeo>\n", `zeo.conf:2: '${' not followed by a name and '}'`},
		{"undefined env", "<zeo>\npid-filename $(GOZEO_SURELY_UNSET_VAR)\n</zeo>\n", `zeo.conf:2: no environment variable "GOZEO_SURELY_UNSET_VAR"`},
		{"include missing", "\n%include " + in("none.conf") + "\n", `zeo.conf:2: cannot include ` + in("none.conf") + `: no such file or directory`},
		{"include loop", "%include " + in("loop.conf") + "\n", in("loop.conf") + `:1: cannot include ` + in("loop.conf") + `: it is already being read (an include cycle)`},
		{"include unbalanced", "%include " + in("open.inc") + "\n</zeo>\n", in("open.inc") + `:1: section <zeo> is not closed`},
		{"error in include", "<zeo>\n%include " + in("badkey.inc") + "\n</zeo>\n", in("badkey.inc") + `:3: unknown key "adress" in <zeo>`},
		{"long line", "<zeo>\npid-filename " + strings.Repeat("x", maxLineLength) + "\n</zeo>\n", `zeo.conf:2: line longer than 1048576 bytes`},
	}
	for _, c := range cases {
		_, err := Parse("zeo.conf", strings.NewReader(c.text))
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("%s: error %T is not *config.Error", c.name, err)
		}
		if err.Error() != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, err, c.want)
		}
	}
}

func TestSyntaxDetails(t *testing.T) {
	cfg := parse(t, `
   # indented comment
<ZEO>
	ADDRESS	 127.0.0.1:8100   
  pid-filename /tmp/a#b
</zeo>
<eventlog/>
<FileStorage Two>
  Path   two.fs
</FILESTORAGE>
`)
	if cfg.ZEO.Address.Port != 8100 || cfg.ZEO.PidFilename != "/tmp/a#b" {
		t.Errorf("zeo %+v", cfg.ZEO)
	}
	if cfg.EventLog.Level != 20 || len(cfg.EventLog.Logfiles) != 0 {
		t.Errorf("empty <eventlog/>: %+v", cfg.EventLog)
	}
	if len(cfg.Storages) != 1 || cfg.Storages[0].Name != "two" || cfg.Storages[0].Path != "two.fs" {
		t.Errorf("storages %+v", cfg.Storages)
	}
}

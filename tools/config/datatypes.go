// The value datatypes: booleans, integers, sizes, seconds, addresses, log
// levels and log formats.

package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, errors.New("not a boolean (use true/false, yes/no, on/off or 1/0)")
}

// parseCount parses a non-negative integer.
func parseCount(s string) (int, error) {
	v, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 0)
	if err != nil {
		return 0, errors.New("not an integer")
	}
	if v < 0 {
		return 0, errors.New("must not be negative")
	}
	return int(v), nil
}

var sizeSuffixes = []struct {
	suffix string
	mult   int64
}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"tb", 1 << 40}}

// parseSize parses a byte count with an optional KB/MB/GB/TB suffix, as
// ZConfig's byte-size (powers of 1024, case-insensitive).
func parseSize(s string) (int64, error) {
	bad := errors.New("not a size (use a byte count, optionally with a KB, MB, GB or TB suffix)")
	v := strings.ToLower(s)
	mult := int64(1)
	for _, x := range sizeSuffixes {
		if strings.HasSuffix(v, x.suffix) {
			v, mult = strings.TrimSpace(v[:len(v)-len(x.suffix)]), x.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, bad
	}
	if n < 0 {
		return 0, errors.New("must not be negative")
	}
	if n > math.MaxInt64/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

// parseSeconds parses a non-negative number of seconds, integer or decimal.
func parseSeconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a number of seconds")
	}
	if f < 0 {
		return 0, errors.New("must not be negative")
	}
	if f > float64(math.MaxInt64)/float64(time.Second) {
		return 0, errors.New("too large")
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Address is a listening address: TCP host and port, or a Unix socket
// path. It implements net.Addr. The zero Address means "not set".
type Address struct {
	Net  string // "tcp" or "unix"; "" when not set
	Host string // TCP host, lowercased; "" means every interface
	Port int    // TCP port, 0 to 65535 (0: any free port)
	Path string // Unix socket path
}

// ParseAddress parses a ZConfig socket-binding-address: a Unix socket path
// (any value containing "/"), "host:port", "[ipv6]:port", ":port", or a
// bare port.
func ParseAddress(s string) (Address, error) {
	if s == "" {
		return Address{}, errors.New("empty address")
	}
	if strings.Contains(s, "/") {
		return Address{Net: "unix", Path: s}, nil
	}
	host, port := "", s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
		switch {
		case strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]"):
			host = host[1 : len(host)-1]
			if net.ParseIP(host) == nil || !strings.Contains(host, ":") {
				return Address{}, fmt.Errorf("%q is not an IPv6 address", host)
			}
		case strings.Contains(host, ":"):
			return Address{}, errors.New("IPv6 addresses need brackets and a port: [::1]:8100")
		case strings.ContainsAny(host, " \t[]"):
			return Address{}, fmt.Errorf("%q is not a host name", host)
		}
		if port == "" {
			return Address{}, errors.New("missing port")
		}
	} else if _, err := strconv.Atoi(s); err != nil {
		return Address{}, errors.New("missing port (use host:port, [ipv6]:port, :port, a port, or a unix socket path containing \"/\")")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return Address{}, fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return Address{Net: "tcp", Host: strings.ToLower(host), Port: p}, nil
}

// Network returns "tcp" or "unix" ("" when not set).
func (a Address) Network() string { return a.Net }

// String returns the address in the form net.Listen takes: host:port
// (IPv6 hosts in brackets) or the socket path.
func (a Address) String() string {
	switch a.Net {
	case "unix":
		return a.Path
	case "tcp":
		return net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	}
	return ""
}

// IsZero reports whether the address is not set.
func (a Address) IsZero() bool { return a.Net == "" }

var _ net.Addr = Address{}

// LogLevel is a Python logging level: 0 (NOTSET) to 50 (CRITICAL).
type LogLevel int

// The named levels ZConfig's logging-level datatype knows.
var logLevels = map[string]LogLevel{
	"critical": 50, "fatal": 50, "error": 40, "warn": 30, "warning": 30,
	"info": 20, "blather": 15, "debug": 10, "trace": 5, "all": 1, "notset": 0,
}

func parseLevel(s string) (LogLevel, error) {
	if l, ok := logLevels[strings.ToLower(s)]; ok {
		return l, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("not a log level (use CRITICAL, ERROR, WARNING, INFO, DEBUG, NOTSET or a number from 0 to 50)")
	}
	if n < 0 || n > 50 {
		return 0, fmt.Errorf("log level %d not in 0..50", n)
	}
	return LogLevel(n), nil
}

// String returns the level's Python name, or its number.
func (l LogLevel) String() string {
	switch l {
	case 50:
		return "CRITICAL"
	case 40:
		return "ERROR"
	case 30:
		return "WARNING"
	case 20:
		return "INFO"
	case 15:
		return "BLATHER"
	case 10:
		return "DEBUG"
	case 5:
		return "TRACE"
	case 1:
		return "ALL"
	case 0:
		return "NOTSET"
	}
	return strconv.Itoa(int(l))
}

// Slog maps the level to log/slog: DEBUG (10) is slog.LevelDebug, INFO
// (20) slog.LevelInfo, WARNING (30) slog.LevelWarn, ERROR (40)
// slog.LevelError, CRITICAL (50) slog.LevelError+4; levels between are
// interpolated (TRACE is LevelDebug-2, NOTSET lets everything through).
func (l LogLevel) Slog() slog.Level {
	return slog.Level((int(l) - 20) * 4 / 10)
}

// DefaultLogFormat is ZConfig's default logfile format.
const DefaultLogFormat = "------\n%(asctime)s %(levelname)s %(name)s %(message)s"

// logRecordFields are the LogRecord attributes a format may name.
var logRecordFields = map[string]bool{
	"name": true, "levelno": true, "levelname": true, "pathname": true, "filename": true,
	"module": true, "lineno": true, "funcName": true, "created": true, "asctime": true,
	"msecs": true, "relativeCreated": true, "thread": true, "threadName": true,
	"process": true, "processName": true, "taskName": true, "message": true,
}

var controlEscapes = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\b`, "\b", `\f`, "\f", `\r`, "\r")

// parseFormat checks a Python logging format string and, as ZConfig does,
// turns the escapes \n \t \b \f \r into the characters.
func parseFormat(s string) (string, error) {
	rest := s
	for {
		i := strings.Index(rest, "%(")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], ')')
		if j < 0 {
			return "", errors.New("unclosed %( in format")
		}
		if field := rest[i+2 : i+j]; !logRecordFields[field] {
			return "", fmt.Errorf("unknown log record field %q in format", field)
		}
		rest = rest[i+j+1:]
	}
	return controlEscapes.Replace(s), nil
}

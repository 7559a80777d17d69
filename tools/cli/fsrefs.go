// gozeo fsrefs and fsoids: references between objects of a Data.fs.

package cli

import (
	"context"
	"fmt"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/fstool"
)

func init() {
	Register(&Command{
		Name:    "fsrefs",
		Summary: "find dangling references in a Data.fs (ZODB's fsrefs): exit 1 when any",
		Usage:   "FILE",
		Run:     runFsrefs,
	})
	Register(&Command{
		Name:    "fsoids",
		Summary: "trace oids through every revision of a Data.fs: creations, changes, references (ZODB's fsoids)",
		Usage:   "FILE OID...",
		Run:     runFsoids,
	})
}

func runFsrefs(ctx context.Context, env *Env, args []string) error {
	path, err := oneFile(env, Lookup("fsrefs"), args, nil)
	if err != nil {
		return err
	}
	p := newProgress(env.Stderr, "fsrefs", "bytes")
	rep, err := fstool.Refs(env.Stdout, path, p.update)
	p.finish()
	if err != nil {
		return err
	}
	if rep.Referrers > 0 || rep.NoLoad > 0 {
		return &ExitError{Code: 1, Msg: fmt.Sprintf("%d objects refer to %d invalid objects; %d objects cannot be read",
			rep.Referrers, rep.Invalid, rep.NoLoad)}
	}
	return nil
}

func runFsoids(ctx context.Context, env *Env, args []string) error {
	fs := NewFlagSet(env, Lookup("fsoids"))
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return fmt.Errorf("%w: want a Data.fs file and at least one oid", ErrUsage)
	}
	var oids []proto.Oid
	for _, a := range fs.Args()[1:] {
		oid, err := parseOidArg(a)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		oids = append(oids, oid)
	}
	p := newProgress(env.Stderr, "fsoids", "bytes")
	defer p.finish()
	return fstool.TraceOids(env.Stdout, fs.Arg(0), oids, p.update)
}

// parseOidArg reads an oid as 0x-prefixed hex, 16 hex digits, or decimal.
func parseOidArg(s string) (proto.Oid, error) {
	var v uint64
	var err error
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		_, err = fmt.Sscanf(s[2:], "%x", &v)
	case len(s) == 16:
		_, err = fmt.Sscanf(s, "%x", &v)
	default:
		_, err = fmt.Sscanf(s, "%d", &v)
	}
	if err != nil {
		return 0, fmt.Errorf("bad oid %q (want 0x hex, 16 hex digits or decimal)", s)
	}
	return proto.Oid(v), nil
}

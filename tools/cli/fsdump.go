// gozeo fsdump, fstest and fstail: ZODB's FileStorage dump tools.

package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/gozeo/gozeo/tools/fstool"
)

func init() {
	Register(&Command{
		Name:    "fsdump",
		Summary: "dump a Data.fs: one line per transaction and record (ZODB's fsdump); -v: every header field",
		Usage:   "[-v] FILE",
		Run:     runFsdump,
	})
	Register(&Command{
		Name:    "fstest",
		Summary: "check the structure of a Data.fs (ZODB's fstest): silent and exit 0 when sound, exit 1 on damage",
		Usage:   "[-v] [-vv] FILE",
		Run:     runFstest,
	})
	Register(&Command{
		Name:    "fstail",
		Summary: "show the last transactions of a Data.fs, newest first (ZODB's fstail)",
		Usage:   "[-n N] FILE",
		Run:     runFstail,
	})
}

// oneFile parses flags and wants exactly one FILE argument.
func oneFile(env *Env, c *Command, args []string, setup func(fs *flag.FlagSet)) (string, error) {
	fs := NewFlagSet(env, c)
	if setup != nil {
		setup(fs)
	}
	if err := ParseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%w: want one Data.fs file", ErrUsage)
	}
	return fs.Arg(0), nil
}

func runFsdump(ctx context.Context, env *Env, args []string) error {
	var verbose *bool
	path, err := oneFile(env, Lookup("fsdump"), args, func(fs *flag.FlagSet) {
		verbose = fs.Bool("v", false, "the raw field-by-field dump (ZODB's Dumper)")
	})
	if err != nil {
		return err
	}
	p := newProgress(env.Stderr, "fsdump", "bytes")
	defer p.finish()
	if *verbose {
		return fstool.DumpRaw(env.Stdout, path, p.update)
	}
	return fstool.Dump(env.Stdout, path, p.update)
}

func runFstest(ctx context.Context, env *Env, args []string) error {
	var v, vv *bool
	path, err := oneFile(env, Lookup("fstest"), args, func(fs *flag.FlagSet) {
		v = fs.Bool("v", false, "print a line per transaction")
		vv = fs.Bool("vv", false, "print a line per transaction and per record")
	})
	if err != nil {
		return err
	}
	level := 0
	if *v {
		level = 1
	}
	if *vv {
		level = 2
	}
	p := newProgress(env.Stderr, "fstest", "bytes")
	problem, err := fstool.Fstest(env.Stdout, path, level, p.update)
	p.finish()
	if err != nil {
		return err
	}
	if problem != "" {
		fmt.Fprintf(env.Stderr, "%s %s\n", path, problem)
		return &ExitError{Code: 1}
	}
	return nil
}

func runFstail(ctx context.Context, env *Env, args []string) error {
	var n *int
	path, err := oneFile(env, Lookup("fstail"), args, func(fs *flag.FlagSet) {
		n = fs.Int("n", 10, "number of transactions to show")
	})
	if err != nil {
		return err
	}
	if *n < 0 {
		return fmt.Errorf("%w: -n %s", ErrUsage, strconv.Itoa(*n))
	}
	return fstool.Tail(env.Stdout, path, *n)
}

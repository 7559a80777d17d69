// Package cli holds the gozeo command line: a registry of subcommands, each a
// thin wrapper over a library function that has its own tests.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Command is one gozeo subcommand.
type Command struct {
	Name    string
	Summary string // one line for "gozeo help"
	Usage   string // argument synopsis, e.g. "[-n N] FILE"
	// Run executes the command. args excludes the command name. A returned
	// error is printed as "gozeo NAME: ERR" and gives exit status 1, or 2
	// for a usage error (ErrUsage).
	Run func(ctx context.Context, env *Env, args []string) error
}

// Env is what a command may use to talk to the world.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
}

// ErrUsage marks a command-line usage error (exit status 2).
var ErrUsage = errors.New("usage error")

// ExitError carries a specific exit status and an optional message; a
// command returns it when the status is its answer (fstest finding damage).
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

var registry = map[string]*Command{}

// Register adds a command; it panics on a duplicate name (a programming
// error caught at init).
func Register(c *Command) {
	if _, dup := registry[c.Name]; dup {
		panic("cli: duplicate command " + c.Name)
	}
	registry[c.Name] = c
}

// Lookup returns the named command, or nil.
func Lookup(name string) *Command { return registry[name] }

// Main runs the command named by args[0] and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	env := &Env{Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := registry[args[0]]
	if cmd == nil {
		fmt.Fprintf(stderr, "gozeo: unknown command %q (see \"gozeo help\")\n", args[0])
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.Run(ctx, env, args[1:])
	return report(stderr, cmd, err)
}

func report(stderr io.Writer, cmd *Command, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Msg != "" {
			fmt.Fprintf(stderr, "gozeo %s: %s\n", cmd.Name, ee.Msg)
		}
		return ee.Code
	}
	fmt.Fprintf(stderr, "gozeo %s: %v\n", cmd.Name, err)
	if errors.Is(err, ErrUsage) {
		fmt.Fprintf(stderr, "usage: gozeo %s %s\n", cmd.Name, cmd.Usage)
		return 2
	}
	return 1
}

func printHelp(w io.Writer) {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: gozeo COMMAND [ARGS]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, registry[n].Summary)
	}
	fmt.Fprintln(w, "\nRun \"gozeo COMMAND -h\" for a command's flags.")
}

// NewFlagSet returns a flag set for a command that reports errors instead of
// exiting, writing its usage to env.Stderr.
func NewFlagSet(env *Env, c *Command) *flag.FlagSet {
	fs := flag.NewFlagSet("gozeo "+c.Name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: gozeo %s %s\n\n%s\n", c.Name, c.Usage, c.Summary)
		fs.PrintDefaults()
	}
	return fs
}

// ParseFlags parses args, mapping a flag error to ErrUsage.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return nil
}

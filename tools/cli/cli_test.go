package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestMainDispatch(t *testing.T) {
	Register(&Command{Name: "test-echo", Summary: "echo for tests", Usage: "WORD",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return ErrUsage
			}
			if args[0] == "fail" {
				return errors.New("it failed")
			}
			if args[0] == "exit3" {
				return &ExitError{Code: 3, Msg: "three"}
			}
			env.Stdout.Write([]byte(args[0]))
			return nil
		}})
	defer delete(registry, "test-echo")
	cases := []struct {
		args       []string
		code       int
		out, errTx string
	}{
		{[]string{"test-echo", "hi"}, 0, "hi", ""},
		{[]string{"test-echo"}, 2, "", "usage: gozeo test-echo WORD"},
		{[]string{"test-echo", "fail"}, 1, "", "gozeo test-echo: it failed"},
		{[]string{"test-echo", "exit3"}, 3, "", "gozeo test-echo: three"},
		{[]string{"nope"}, 2, "", `unknown command "nope"`},
		{[]string{"help"}, 0, "test-echo", ""},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := Main(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.errTx) {
			t.Errorf("%v: code %d out %q err %q", c.args, code, out.String(), errb.String())
		}
	}
}

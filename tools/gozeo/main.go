// Command gozeo is the gozeo server and its admin tools; see "gozeo help".
package main

import (
	"os"

	"github.com/gozeo/gozeo/tools/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }

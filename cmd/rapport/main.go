// Command rapport is the Rapport CRM: web application, REST API and
// administration commands in one binary.
package main

import (
	"fmt"
	"os"

	"github.com/rapport-crm/rapport/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := cli.New(version, os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "rapport:", err)
		os.Exit(cli.ExitCode(err))
	}
}

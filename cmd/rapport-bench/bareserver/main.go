// Command bareserver is the benchmark's floor: a net/http server that only
// answers /healthz and /json. rapport-bench builds it with the same flags
// as bin/rapport and measures it beside Rapport. It is kept apart from
// rapport-bench so that its binary holds nothing but the standard library.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rapport-crm/rapport/internal/bench/bare"
)

func main() {
	addr := flag.String("bare-server", "127.0.0.1:8099", "loopback address to serve on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bare.Serve(ctx, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "bareserver:", err)
		os.Exit(1)
	}
}

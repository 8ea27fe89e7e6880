package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(&command{
		name:  "version",
		short: "Print the iwo version",
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			fmt.Fprintln(e.stdout, "iwo", version)
			return nil
		},
	})
}

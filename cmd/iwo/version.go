package main

import (
	"context"
	"flag"
	"fmt"
)

var versionUsage = usage{short: "Print the iwo version"}

// versionCommand is "iwo version".
type versionCommand struct{ base }

func (c *versionCommand) flags(*flag.FlagSet) {}

// Run prints the version.
func (c *versionCommand) Run(context.Context) error {
	fmt.Fprintln(c.stdout, "iwo", version)
	return nil
}

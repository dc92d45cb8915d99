// Command hwcheck is the field technician's diagnostics tool: one
// subcommand per device (sensor, card, key), each printing what it found in
// words a technician can act on and exiting non-zero on failure.
package main

import (
	"fmt"
	"os"
	"sort"
)

// command is a subcommand; each device file registers one in init.
type command struct {
	summary string
	run     func(args []string) int
}

var commands = map[string]command{}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]].run == nil {
		usage()
		os.Exit(2)
	}
	os.Exit(commands[os.Args[1]].run(os.Args[2:]))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: hwcheck COMMAND [flags]\n\ncommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, commands[n].summary)
	}
}

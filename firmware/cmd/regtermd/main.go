// Command regtermd is the terminal's daemon: it boots straight into
// enrollment. `regtermd --board sim --demo` runs the whole terminal in
// simulation with a scripted session.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/regterm/regterm/board"
	"github.com/regterm/regterm/firmware/config"
	"github.com/regterm/regterm/firmware/daemon"
)

func main() {
	cfgPath := flag.String("config", "", "configuration file (TOML); empty: built-in defaults")
	boardName := flag.String("board", "", "board profile, overrides the config (known: "+fmt.Sprint(board.Names())+")")
	state := flag.String("state", "", "state directory (queue, keys, logs), overrides the config")
	frames := flag.String("frames", "", "sim: write every screen as a PNG into this folder")
	live := flag.Bool("live", false, "sim: draw the screen in this terminal")
	demo := flag.Bool("demo", false, "sim: run one scripted enrollment, print the summary and exit")
	loop := flag.Int("enroll-loop", 0, "sim: run N scripted enrollments back to back, as fast as possible")
	flag.Parse()
	cfg, err := config.Load(*cfgPath, *boardName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regtermd:", err)
		os.Exit(2)
	}
	cfg.ApplyFlags(*state)
	log, closeLog, err := daemon.Logger(cfg, os.Stderr, *live) // --live draws on stdout: log to the file only
	if err != nil {
		fmt.Fprintln(os.Stderr, "regtermd:", err)
		os.Exit(2)
	}
	defer closeLog()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n := max(*loop, 0)
	if *demo && n == 0 {
		n = 1
	}
	dev, err := board.Open(ctx, &cfg.Hardware, &board.Env{StateDir: cfg.StateDir, TerminalID: cfg.TerminalID, Log: log, Fast: *loop > 0,
		Production: cfg.Production, FramesDir: *frames, Live: *live})
	if err == nil {
		err = daemon.Run(ctx, cfg, dev, daemon.Opts{Enrollments: n, FramesDir: *frames, Out: os.Stdout, Log: log})
		dev.Close()
	}
	if err != nil {
		log.Error("regtermd stopped", "err", err)
		os.Exit(1)
	}
}

// Command sensorsim runs a simulated EF01 fingerprint module (R307, R503,
// AS608) on a pseudo-terminal. With -pty it prints the device path on its
// first line; open that path as the sensor's serial port.
//
// Lines on standard input control it while it runs:
//
//	place       put the next image on the sensor
//	lift        take the finger off
//	fault SPEC  inject a fault (garbage, split, short, badsum[:FRAME], powerup, silent)
//	power off|on
//
// See docs/sensor.md.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/regterm/regterm/tools/sensorsim"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		usePTY     = flag.Bool("pty", false, "serve on a new pseudo-terminal and print its path on the first line")
		model      = flag.String("model", "R307", "module: R307, AS608 or R503")
		baud       = flag.Int("baud", 57600, "the module's baud rate")
		packet     = flag.Int("packet", 128, "data packet size at power-up (32, 64, 128, 256)")
		sendPacket = flag.Int("send-packet", 0, "packet size really used, whatever is reported (fault)")
		password   = flag.String("password", "0", "module password (0 = none)")
		images     = flag.String("images", "", "folder of finger images (PNG, JPEG, TIFF, BMP, GIF) served in turn")
		auto       = flag.Bool("auto", true, "with -images: a finger appears after -polls GenImg without one")
		polls      = flag.Int("polls", 3, "GenImg polls before the automatic finger appears")
		fast       = flag.Bool("fast", false, "do not pace the line at the baud rate")
		bootDelay  = flag.Duration("boot", 50*time.Millisecond, "boot time after power-on or SoftRst")
		capture    = flag.Duration("capture-delay", 0, "time GenImg takes with a finger")
		baudChange = flag.String("baud-change", "reset", "when a new baud applies: reset, immediate, ignored")
		faults     = flag.String("fault", "", "comma-separated faults for the first responses, e.g. badsum:5,garbage:0:2")
		verbose    = flag.Bool("v", false, "log to standard error")
	)
	flag.Parse()
	if !*usePTY {
		fmt.Fprintln(os.Stderr, "sensorsim: only -pty mode exists: sensorsim -pty [flags]")
		return 2
	}
	m, err := sensorsim.ModelByName(*model)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	pw, err := strconv.ParseUint(*password, 0, 32)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sensorsim: -password %q: %v\n", *password, err)
		return 2
	}
	bc := map[string]sensorsim.BaudChange{"reset": sensorsim.BaudAfterReset, "immediate": sensorsim.BaudImmediate, "ignored": sensorsim.BaudIgnored}
	change, ok := bc[*baudChange]
	if !ok {
		fmt.Fprintf(os.Stderr, "sensorsim: -baud-change %q: want reset, immediate or ignored\n", *baudChange)
		return 2
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	cfg := sensorsim.Config{
		Model: m, Baud: *baud, PacketSize: *packet, SendPacketSize: *sendPacket, Password: uint32(pw),
		Paced: !*fast, PowerUpDelay: *bootDelay, CaptureDelay: *capture, BaudChange: change,
		NoFingerPolls: *polls, Log: log,
	}
	if *images != "" {
		imgs, err := sensorsim.LoadImages(*images)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cfg.Images, cfg.AutoFinger = imgs, *auto
	}
	sim := sensorsim.New(cfg)
	if *faults != "" {
		for _, s := range strings.Split(*faults, ",") {
			f, err := sensorsim.ParseFault(s)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
			sim.Inject(f)
		}
	}
	p, err := sensorsim.ServePTY(sim)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer p.Close()
	fmt.Println(p.Path())
	go control(sim)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return 0
}

// control reads commands from standard input.
func control(sim *sensorsim.Sim) {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "place":
			if err := sim.PlaceNext(); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		case f[0] == "lift":
			sim.LiftFinger()
		case f[0] == "fault" && len(f) == 2:
			flt, err := sensorsim.ParseFault(f[1])
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				continue
			}
			sim.Inject(flt)
		case f[0] == "power" && len(f) == 2 && (f[1] == "on" || f[1] == "off"):
			sim.SetPower(f[1] == "on")
		default:
			fmt.Fprintf(os.Stderr, "sensorsim: unknown command %q (place, lift, fault SPEC, power on|off)\n", sc.Text())
		}
	}
}

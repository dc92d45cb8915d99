package main

// hwcheck sensor: the field check of the fingerprint module on its UART.
// It opens the module (probing every baud rate), prints what it is, waits
// for a finger, shows the image upload's progress, writes the image as
// PNG, and explains failures in words a technician can act on.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"

	"github.com/regterm/regterm/drivers/fingerprint"
	"github.com/regterm/regterm/drivers/fingerprint/zfm"
)

func init() {
	commands["sensor"] = command{
		summary: "check the fingerprint module: info, finger capture to PNG",
		run:     func(args []string) int { return runSensor(args, os.Stdout, os.Stderr) },
	}
}

func runSensor(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("sensor", flag.ContinueOnError)
	flags.SetOutput(stderr)
	port := flags.String("port", "/dev/ttyAMA0", "serial device of the module")
	baud := flags.Int("baud", zfm.DefaultBaud, "baud rate the module is set to (other rates are tried too)")
	setBaud := flags.Int("set-baud", 0, "switch the module to this rate (0 = leave it)")
	capture := flags.String("capture", "", "wait for a finger and write its image to this PNG file")
	wait := flags.Duration("wait", 30*time.Second, "how long to wait for a finger")
	password := flags.String("password", "0", "module password (0 = none)")
	address := flags.String("address", "0xFFFFFFFF", "module address")
	packet := flags.Int("packet", 256, "largest data packet to negotiate (32, 64, 128, 256)")
	width := flags.Int("width", 256, "image width when the module cannot report it")
	height := flags.Int("height", 288, "image height when the module cannot report it")
	resetPin := flags.String("reset-pin", "", "GPIO that cuts the module's power when low (e.g. GPIO17), to power-cycle a hung module")
	verbose := flags.Bool("v", false, "log the driver's messages")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: hwcheck sensor -port /dev/ttyAMA0 [-baud 57600] [-capture out.png] [-wait 30s] [-password N]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	pw, err1 := strconv.ParseUint(*password, 0, 32)
	addr, err2 := strconv.ParseUint(*address, 0, 32)
	if err := errors.Join(err1, err2); err != nil {
		fmt.Fprintf(stderr, "sensor: bad -password or -address: %v\n", err)
		return 2
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	fail := func(what string, err error) int {
		fmt.Fprintf(stdout, "FAIL: %s: %v\n", what, err)
		fmt.Fprintf(stdout, "What to do: %s\n", advice(err, *port))
		return 1
	}

	fmt.Fprintf(stdout, "Opening %s at %d baud...\n", *port, *baud)
	p, err := zfm.OpenPort(*port, *baud)
	if err != nil {
		return fail("cannot open the serial port", err)
	}
	opts := zfm.DefaultOpts
	opts.Address = uint32(addr)
	opts.Password = uint32(pw)
	opts.Baud = *setBaud
	opts.PacketSize = *packet
	opts.Size = image.Pt(*width, *height)
	opts.ScanBauds = true
	opts.Log = log
	bar := &progress{w: stdout}
	opts.Progress = bar.update
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	var reset gpio.PinOut
	if *resetPin != "" {
		if _, err := host.Init(); err != nil {
			p.Close()
			return fail("cannot access the GPIOs", err)
		}
		pin := gpioreg.ByName(*resetPin)
		if pin == nil {
			p.Close()
			return fail("reset pin", fmt.Errorf("no GPIO named %q", *resetPin))
		}
		reset = pin
	}
	dev, err := zfm.New(ctx, p, reset, &opts)
	cancel()
	if err != nil {
		p.Close()
		return fail("the module does not answer properly", err)
	}
	defer dev.Halt()
	info := dev.Info()
	st := dev.Stats()
	fmt.Fprintf(stdout, "Module:   %s", info.Model)
	if pi := dev.ProdInfo(); pi != nil {
		fmt.Fprintf(stdout, " (batch %s, serial %s, hardware %d.%d, sensor %s)", pi.Batch, pi.Serial, pi.HWVersion>>8, pi.HWVersion&0xFF, pi.SensorModel)
	} else {
		fmt.Fprintf(stdout, " (the module does not report its model: using -width/-height)")
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "Image:    %dx%d pixels, %d bits, %d dpi\n", info.Size.X, info.Size.Y, info.Depth, info.DPI)
	fmt.Fprintf(stdout, "Link:     %d baud, %d-byte packets, address %08X\n", st.Baud, st.PacketSize, addr)
	if st.Baud != *baud {
		fmt.Fprintf(stdout, "Note:     the module answers at %d baud, not %d: set sensor.baud accordingly\n", st.Baud, *baud)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if sp, err := dev.ReadSysPara(ctx); err == nil {
		n, _ := dev.TempleteNum(ctx)
		fmt.Fprintf(stdout, "Library:  %d of %d templates, security level %d\n", n, sp.LibrarySize, sp.SecurityLevel)
	} else {
		return fail("reading the module's parameters", err)
	}
	switch err := dev.CheckSensor(ctx); {
	case err == nil:
		fmt.Fprintln(stdout, "Sensor:   self-test passed")
	case errors.Is(err, zfm.ErrUnsupported):
		fmt.Fprintln(stdout, "Sensor:   this module has no self-test")
	default:
		return fail("sensor self-test", err)
	}
	if *capture == "" {
		fmt.Fprintln(stdout, "OK")
		return 0
	}
	_ = dev.SetLED(ctx, fingerprint.LEDCapture)
	fmt.Fprintf(stdout, "Place a finger on the sensor (waiting up to %v)...\n", *wait)
	cctx, ccancel := context.WithTimeout(context.Background(), *wait+time.Minute)
	defer ccancel()
	fingerCtx, fcancel := context.WithTimeout(cctx, *wait)
	defer fcancel()
	img, err := captureWith(fingerCtx, cctx, dev, stdout)
	if err != nil {
		_ = dev.SetLED(ctx, fingerprint.LEDFail)
		return fail("capturing a finger", err)
	}
	bar.done()
	f, err := os.Create(*capture)
	if err == nil {
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fail("writing the image", err)
	}
	_ = dev.SetLED(ctx, fingerprint.LEDOK)
	st = dev.Stats()
	fmt.Fprintf(stdout, "Image written to %s (%dx%d)\n", *capture, img.Rect.Dx(), img.Rect.Dy())
	fmt.Fprintf(stdout, "Line:     %d corrupted frames, %d repeated transfers, %d resets\n", st.Corrupt, st.Retries, st.Resets)
	if st.Corrupt > 0 {
		fmt.Fprintln(stdout, "Note:     the line corrupted some data: check the cable, its length and the ground wire")
	}
	fmt.Fprintln(stdout, "OK")
	return 0
}

// captureWith waits for a finger until fingerCtx ends, then uploads under
// ctx (the upload may outlast the finger wait).
func captureWith(fingerCtx, ctx context.Context, dev *zfm.Dev, w io.Writer) (*image.Gray, error) {
	for {
		err := dev.GenImg(fingerCtx)
		if err == nil {
			break
		}
		if fingerCtx.Err() != nil {
			return nil, fmt.Errorf("capture: %w", fingerprint.ErrNoFinger)
		}
		if !errors.Is(err, fingerprint.ErrNoFinger) {
			return nil, err
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-fingerCtx.Done():
			return nil, fmt.Errorf("capture: %w", fingerprint.ErrNoFinger)
		}
	}
	fmt.Fprintln(w, "Finger detected, receiving the image:")
	return dev.UpImage(ctx)
}

// progress draws the upload's progress as a bar, a step every 5 %.
type progress struct {
	w     io.Writer
	last  int
	shown bool
}

func (p *progress) update(done, total int) {
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if pct < p.last+5 && pct != 100 {
		return
	}
	if pct == p.last && p.shown {
		return
	}
	p.last, p.shown = pct, true
	n := pct / 5
	fmt.Fprintf(p.w, "\r  [%s%s] %3d%%  %d / %d bytes", strings.Repeat("#", n), strings.Repeat(".", 20-n), pct, done, total)
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
	p.last, p.shown = 0, false
}

// advice turns an error into what a technician should do.
func advice(err error, port string) string {
	var st zfm.Status
	var perr *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%s does not exist: check the port name (ls /dev/tty*) and that the UART is enabled in the boot configuration", port)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("no permission to open %s: run as root or add the user to the dialout group", port)
	case errors.As(err, &perr):
		return fmt.Sprintf("%s cannot be opened: check that it is a serial port and no other program (regtermd) uses it", port)
	case errors.Is(err, zfm.ErrNoBaud):
		return "the module answers at no baud rate: check the 3.3 V supply and ground, that TX and RX are crossed (module TX to board RX), and the connector; if it still fails, replace the module"
	case errors.Is(err, zfm.ErrWrongPassword), errors.Is(err, zfm.ErrPasswordRequired):
		return "the module has a password: pass it with -password and set sensor.password in the configuration"
	case errors.Is(err, fingerprint.ErrNoFinger):
		return "no finger was detected: place the finger flat on the glass and keep it still; clean the glass; if a finger is never seen, the sensor window or the module is faulty"
	case errors.Is(err, zfm.ErrSensorHardware):
		return "the module reports a sensor fault: replace the module"
	case errors.Is(err, fingerprint.ErrPoorImage):
		return "the image was rejected: clean the glass and the finger (too dry: breathe on it; too wet: dry it) and try again"
	case errors.Is(err, zfm.ErrImageSize):
		return "the image has another size than expected: set -width/-height (sensor.width/height) to the module's image size"
	case errors.Is(err, zfm.ErrCorrupt), errors.Is(err, zfm.ErrChecksum), errors.Is(err, zfm.ErrFrame):
		return "the data arrive corrupted: check the cable (length under 30 cm, firm connector, ground wire) and electrical noise nearby; try a lower -baud"
	case errors.Is(err, fingerprint.ErrNotResponding):
		return "the module stopped answering: power-cycle it (unplug for 5 s); if it happens again, check the supply voltage under load and replace the module"
	case errors.As(err, &st):
		return fmt.Sprintf("the module refused the command (%v): power-cycle it and try again; if it persists, note the code and replace the module", st)
	}
	return "power-cycle the terminal and try again; if it persists, report this message"
}

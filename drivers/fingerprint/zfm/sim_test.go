package zfm_test

import (
	"context"
	"image"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

// startSim serves a simulated module on a real pty.
func startSim(t testing.TB, cfg sensorsim.Config) *sensorsim.PTY {
	t.Helper()
	p, err := sensorsim.ServePTY(sensorsim.New(cfg))
	if err != nil {
		t.Fatalf("ServePTY: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// fastOpts are driver options for unpaced tests: short allowances.
func fastOpts() *zfm.Opts {
	return &zfm.Opts{
		Baud: 57600,
		// Generous for a loaded CI machine; tests of silence pay it.
		Latency:        250 * time.Millisecond,
		CaptureLatency: 400 * time.Millisecond,
		PowerUpTimeout: 400 * time.Millisecond,
		ResetPulse:     5 * time.Millisecond,
		Poll:           5 * time.Millisecond,
		Log:            slog.New(slog.DiscardHandler),
	}
}

// openDev opens the pty with tarm/serial at baud and probes the module.
func openDev(t testing.TB, p *sensorsim.PTY, baud int, o *zfm.Opts) *zfm.Dev {
	t.Helper()
	d, err := openDevErr(t, p, baud, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

func openDevErr(t testing.TB, p *sensorsim.PTY, baud int, o *zfm.Opts) (*zfm.Dev, error) {
	t.Helper()
	port, err := zfm.OpenPort(p.Path(), baud)
	if err != nil {
		t.Fatalf("OpenPort: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := zfm.New(ctx, port, nil, o)
	if err != nil {
		port.Close()
		return nil, err
	}
	t.Cleanup(func() { d.Halt() })
	return d, nil
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ridges is a synthetic finger of any size.
func ridges(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*img.Stride+x] = uint8(128 + 127*math.Sin(float64(x)/3+math.Sin(float64(y)/17)*4))
		}
	}
	return img
}

func TestSmokeCapture(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	d := openDev(t, p, 57600, fastOpts())
	finger := ridges(300, 300)
	p.PlaceFinger(finger)
	img, err := d.Capture(ctxT(t))
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	want := sensorsim.Quantize(finger, image.Pt(256, 288))
	if img.Rect != want.Rect || string(img.Pix) != string(want.Pix) {
		t.Errorf("captured image differs from the served one")
	}
	t.Log(d, d.Stats())
}

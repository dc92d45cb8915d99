package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regterm/regterm/tools/sensorsim"
)

func servedFinger() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 300, 320))
	for i := range img.Pix {
		img.Pix[i] = byte(i*7 + i/300*3)
	}
	return img
}

func startSensor(t *testing.T, cfg sensorsim.Config) *sensorsim.PTY {
	t.Helper()
	p, err := sensorsim.ServePTY(sensorsim.New(cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestSensorCapture runs `hwcheck sensor` against sensorsim: the PNG it
// writes is the served image after the 4-bit quantisation.
func TestSensorCapture(t *testing.T) {
	finger := servedFinger()
	p := startSensor(t, sensorsim.Config{Images: []*image.Gray{finger}, AutoFinger: true, NoFingerPolls: 2})
	out := filepath.Join(t.TempDir(), "out.png")
	var stdout, stderr bytes.Buffer
	code := runSensor([]string{"-port", p.Path(), "-baud", "57600", "-capture", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	got := sensorsim.ToGray(img)
	want := sensorsim.Quantize(finger, image.Pt(256, 288))
	if got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
		t.Errorf("PNG %v differs from the served image after quantisation", got.Rect)
	}
	for _, s := range []string{"Module:   R307", "256x288", "100%", "OK"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, stdout.String())
		}
	}
}

func TestSensorFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sensorsim.Config
		args []string
		want string
	}{
		{"wrong password", sensorsim.Config{Password: 42}, nil, "-password"},
		{"no finger", sensorsim.Config{}, []string{"-capture", "x.png", "-wait", "200ms"}, "place the finger flat"},
		{"sensor fault", sensorsim.Config{Model: sensorsim.R503, SensorFault: true}, nil, "replace the module"},
		{"module at another rate", sensorsim.Config{Baud: 115200}, nil, "OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSensor(t, tc.cfg)
			var stdout, stderr bytes.Buffer
			args := append([]string{"-port", p.Path()}, tc.args...)
			code := runSensor(args, &stdout, &stderr)
			if tc.want == "OK" {
				if code != 0 || !strings.Contains(stdout.String(), "not 57600") {
					t.Errorf("exit %d, want 0 and a note on the rate:\n%s", code, stdout.String())
				}
				return
			}
			if code == 0 {
				t.Fatalf("exit 0, want failure:\n%s", stdout.String())
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, stdout.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := runSensor([]string{"-port", "/nonexistent/tty"}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), "does not exist") {
		t.Errorf("missing port: exit %d:\n%s", code, stdout.String())
	}
}

package sensorsim_test

import (
	"bytes"
	"encoding/hex"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/tiff"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serve(t *testing.T, cfg sensorsim.Config, baud int) (*sensorsim.PTY, *zfm.SerialPort) {
	t.Helper()
	p, err := sensorsim.ServePTY(sensorsim.New(cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	port, err := zfm.OpenPort(p.Path(), baud)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { port.Close() })
	return p, port
}

// readFor collects what arrives within d.
func readFor(port io.Reader, d time.Duration, want int) []byte {
	var out []byte
	end := time.Now().Add(d)
	buf := make([]byte, 256)
	for time.Now().Before(end) && len(out) < want {
		n, _ := port.Read(buf)
		out = append(out, buf[:n]...)
	}
	return out
}

// TestByteVectors writes the manuals' command bytes by hand and checks the
// module's answer byte for byte.
func TestByteVectors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cmd, ack string
	}{
		{"GenImg without finger", "EF01 FFFFFFFF 01 0003 01 0005", "EF01 FFFFFFFF 07 0003 02 000C"},
		{"TempleteNum", "EF01 FFFFFFFF 01 0003 1D 0021", "EF01 FFFFFFFF 07 0005 00 0000 000C"},
		{"VfyPwd 0", "EF01 FFFFFFFF 01 0007 13 00000000 001B", "EF01 FFFFFFFF 07 0003 00 000A"},
		{"HandShake", "EF01 FFFFFFFF 01 0003 40 0044", "EF01 FFFFFFFF 07 0003 00 000A"},
		{"bad checksum", "EF01 FFFFFFFF 01 0003 40 0045", "EF01 FFFFFFFF 07 0003 01 000B"},
		{"ReadProdInfo on R307", "EF01 FFFFFFFF 01 0003 3C 0040", "EF01 FFFFFFFF 07 0003 FC 0106"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, port := serve(t, sensorsim.Config{}, 57600)
			if _, err := port.Write(unhex(t, tc.cmd)); err != nil {
				t.Fatal(err)
			}
			want := unhex(t, tc.ack)
			if got := readFor(port, 3*time.Second, len(want)); !bytes.Equal(got, want) {
				t.Errorf("got % X, want % X", got, want)
			}
		})
	}
}

func TestWrongAddressIgnored(t *testing.T) {
	_, port := serve(t, sensorsim.Config{}, 57600)
	port.Write(zfm.Command(0x11223344, zfm.InsHandShake))
	if got := readFor(port, 150*time.Millisecond, 1); len(got) != 0 {
		t.Errorf("module answered a packet for another address: % X", got)
	}
}

// TestPacing checks that a paced exchange takes at least its wire time.
func TestPacing(t *testing.T) {
	_, port := serve(t, sensorsim.Config{Baud: 9600, Paced: true}, 9600)
	start := time.Now()
	port.Write(zfm.Command(zfm.DefaultAddress, zfm.InsReadSysPara))
	got := readFor(port, 5*time.Second, 12+16)
	elapsed := time.Since(start)
	if len(got) != 28 {
		t.Fatalf("got %d bytes, want 28", len(got))
	}
	wire := time.Duration(12+28) * 10 * time.Second / 9600
	if elapsed < wire {
		t.Errorf("exchange took %v, want at least the wire time %v", elapsed, wire)
	}
	if elapsed > wire+2*time.Second {
		t.Errorf("exchange took %v, far more than the wire time %v", elapsed, wire)
	}
}

// TestBaudMismatch: the host's termios rate decides whether the power-up
// byte arrives intact, and whether commands get through.
func TestBaudMismatch(t *testing.T) {
	for _, tc := range []struct {
		host int
		ok   bool
	}{{57600, true}, {115200, false}, {9600, false}} {
		p, port := serve(t, sensorsim.Config{}, tc.host)
		wait := 200 * time.Millisecond // for bytes that should not come
		if tc.ok {
			wait = 3 * time.Second // returns as soon as they came
		}
		p.SetPower(false)
		p.SetPower(true)
		got := readFor(port, wait, 1)
		if tc.ok != bytes.Equal(got, []byte{zfm.PowerUpByte}) {
			t.Errorf("host at %d: power-up bytes % X", tc.host, got)
		}
		port.Write(zfm.Command(zfm.DefaultAddress, zfm.InsHandShake))
		got = readFor(port, wait, 12)
		if answered := bytes.Contains(got, []byte{0xEF, 0x01}); answered != tc.ok {
			t.Errorf("host at %d: answer % X", tc.host, got)
		}
	}
}

func TestFrame(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 2, 2))
	copy(src.Pix, []byte{0x10, 0x2F, 0x30, 0xFF})
	// Padded into 4x4: a white border, the 2x2 in the centre.
	got := sensorsim.Frame(src, image.Pt(4, 4))
	want := []byte{0xFF, 0xFF, 0xF1, 0x2F, 0xF3, 0xFF, 0xFF, 0xFF}
	if !bytes.Equal(got, want) {
		t.Errorf("pad: got % X, want % X", got, want)
	}
	big := image.NewGray(image.Rect(0, 0, 6, 3))
	for i := range big.Pix {
		big.Pix[i] = byte(i * 16)
	}
	// Cropped to 2x1: row 1, columns 2 and 3 (values 8*16, 9*16).
	if got := sensorsim.Frame(big, image.Pt(2, 1)); !bytes.Equal(got, []byte{0x89}) {
		t.Errorf("crop: got % X, want 89", got)
	}
	q := sensorsim.Quantize(big, image.Pt(2, 1))
	if !bytes.Equal(q.Pix, []byte{8 * 17, 9 * 17}) {
		t.Errorf("Quantize: got % X", q.Pix)
	}
}

func TestLoadImages(t *testing.T) {
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 8, 4))
	img.Pix[3] = 200
	f, _ := os.Create(filepath.Join(dir, "a.png"))
	png.Encode(f, img)
	f.Close()
	f, _ = os.Create(filepath.Join(dir, "b.tif"))
	tiff.Encode(f, img, nil)
	f.Close()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	imgs, err := sensorsim.LoadImages(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 || !bytes.Equal(imgs[0].Pix, img.Pix) || !bytes.Equal(imgs[1].Pix, img.Pix) {
		t.Errorf("LoadImages: got %d images", len(imgs))
	}
	os.WriteFile(filepath.Join(dir, "c.png"), []byte("not a png"), 0o644)
	if _, err := sensorsim.LoadImages(dir); err == nil {
		t.Errorf("LoadImages with a broken file: no error")
	}
	if _, err := sensorsim.LoadImages(t.TempDir()); err == nil {
		t.Errorf("LoadImages of an empty folder: no error")
	}
}

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sensorsim.Fault
		err  bool
	}{
		{"garbage", sensorsim.Fault{Kind: sensorsim.FaultGarbage}, false},
		{"badsum:5", sensorsim.Fault{Kind: sensorsim.FaultBadChecksum, Frame: 5}, false},
		{"short:3:2", sensorsim.Fault{Kind: sensorsim.FaultShort, Frame: 3, Skip: 2}, false},
		{"silent", sensorsim.Fault{Kind: sensorsim.FaultSilent}, false},
		{"late:400", sensorsim.Fault{Kind: sensorsim.FaultLate, Delay: 400 * time.Millisecond}, false},
		{"nonsense", sensorsim.Fault{}, true},
		{"badsum:x", sensorsim.Fault{}, true},
		{"badsum:1:2:3", sensorsim.Fault{}, true},
	} {
		got, err := sensorsim.ParseFault(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseFault(%q): got %+v, %v", tc.in, got, err)
		}
	}
}

func TestModelByName(t *testing.T) {
	if m, err := sensorsim.ModelByName("R503"); err != nil || m.Size != image.Pt(192, 192) {
		t.Errorf("R503: %+v, %v", m, err)
	}
	if _, err := sensorsim.ModelByName("R999"); err == nil {
		t.Errorf("R999: no error")
	}
}

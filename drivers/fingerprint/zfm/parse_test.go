package zfm

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseSysPara(t *testing.T) {
	b := unhex(t, "0004 0009 03E8 0003 FFFFFFFF 0003 0006")
	got, err := parseSysPara(b)
	want := SysPara{Status: 4, SystemID: 9, LibrarySize: 1000, SecurityLevel: 3, Address: 0xFFFFFFFF, PacketSize: 256, Baud: 57600}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{"0004 0009", "0004 0009 03E8 0003 FFFFFFFF 0004 0006", "0004 0009 03E8 0003 FFFFFFFF 0003 000D"} {
		if _, err := parseSysPara(unhex(t, bad)); !errors.Is(err, ErrProtocol) {
			t.Errorf("parseSysPara(%s): got %v, want ErrProtocol", bad, err)
		}
	}
}

func prodInfoBytes(w, h int) []byte {
	b := make([]byte, prodInfoLen)
	copy(b, "R503\x00junk")
	copy(b[16:], "B123")
	copy(b[20:], []byte{1, 2, 3, 4, 5, 6, 7, 8})
	b[28], b[29] = 1, 2
	copy(b[30:], "FPS1    ")
	b[38], b[39] = byte(w>>8), byte(w)
	b[40], b[41] = byte(h>>8), byte(h)
	b[43] = 0x60
	b[45] = 200
	return b
}

func TestParseProdInfo(t *testing.T) {
	got, err := parseProdInfo(prodInfoBytes(192, 192))
	want := ProdInfo{Model: "R503", Batch: "B123", Serial: "0102030405060708", HWVersion: 0x0102, SensorModel: "FPS1",
		Width: 192, Height: 192, TemplateSize: 0x60, LibrarySize: 200}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	for _, b := range [][]byte{prodInfoBytes(0, 192), prodInfoBytes(191, 192), prodInfoBytes(5000, 10), prodInfoBytes(192, 192)[:45]} {
		if _, err := parseProdInfo(b); !errors.Is(err, ErrProtocol) {
			t.Errorf("parseProdInfo: got %v, want ErrProtocol", err)
		}
	}
}

// FuzzParseResults feeds arbitrary acknowledge payloads to the result
// parsers: no panic, and whatever they accept is within the protocol's
// ranges.
func FuzzParseResults(f *testing.F) {
	f.Add(prodInfoBytes(256, 288))
	f.Add(unhex(f, "0004 0009 03E8 0003 FFFFFFFF 0003 0006"))
	f.Add(bytes.Repeat([]byte{0xFF}, 46))
	f.Fuzz(func(t *testing.T, b []byte) {
		if sp, err := parseSysPara(b); err == nil {
			if sp.PacketSize < 32 || sp.PacketSize > 256 || sp.Baud < 9600 || sp.Baud > 115200 {
				t.Fatalf("accepted %+v", sp)
			}
		}
		if pi, err := parseProdInfo(b); err == nil {
			if pi.Width%2 != 0 || pi.Width < 16 || pi.Height > 1024 {
				t.Fatalf("accepted %+v", pi)
			}
		}
	})
}

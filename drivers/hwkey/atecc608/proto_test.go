package atecc608

import (
	"bytes"
	"errors"
	"testing"
)

// Byte vectors published with the chip family (datasheet examples and
// Microchip's CryptoAuthLib test vectors): the wake token, the Info
// command, an ATECC608A-M0 Info response and a status response.
func TestCRC16Vectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  []byte
		crc  [2]byte
	}{
		{"wake token", []byte{0x04, 0x11}, [2]byte{0x33, 0x43}},
		{"info command", []byte{0x07, 0x30, 0x00, 0x00, 0x00}, [2]byte{0x03, 0x5D}},
		{"info response 608A", []byte{0x07, 0x00, 0x00, 0x60, 0x02}, [2]byte{0x80, 0x38}},
		{"execution error status", []byte{0x04, 0x0F}, [2]byte{0x23, 0x42}},
		{"miscompare status", []byte{0x04, 0x01}, [2]byte{0x00, 0xC3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := CRC16(tc.msg)
			if got := [2]byte{byte(c), byte(c >> 8)}; got != tc.crc {
				t.Errorf("CRC16(% x): got % x, want % x", tc.msg, got, tc.crc)
			}
		})
	}
	if got, want := Packet(OpInfo, 0, 0, nil), []byte{0x07, 0x30, 0x00, 0x00, 0x00, 0x03, 0x5D}; !bytes.Equal(got, want) {
		t.Errorf("Info packet: got % x, want % x", got, want)
	}
	if got, want := Response([]byte{0x11}), WakeToken; !bytes.Equal(got, want) {
		t.Errorf("wake token: got % x, want % x", got, want)
	}
}

func TestParseResponse(t *testing.T) {
	info := []byte{0x07, 0x00, 0x00, 0x60, 0x02, 0x80, 0x38}
	pad := func(b []byte, n int) []byte {
		return append(append([]byte(nil), b...), bytes.Repeat([]byte{0xFF}, n-len(b))...)
	}
	for _, tc := range []struct {
		name string
		buf  []byte
		n    int
		want []byte
		err  error
	}{
		{"info", info, 4, []byte{0x00, 0x00, 0x60, 0x02}, nil},
		{"status ok", []byte{0x04, 0x00, 0x03, 0x40}, 0, nil, nil},
		{"execution error", pad([]byte{0x04, 0x0F, 0x23, 0x42}, 7), 4, nil, ErrExecution},
		{"parse error", pad(Response([]byte{StatusParse}), 67), 64, nil, ErrParse},
		{"watchdog", pad(Response([]byte{StatusWatchdog}), 67), 64, nil, ErrWatchdog},
		{"chip saw bad CRC", pad(Response([]byte{StatusCommunication}), 67), 64, nil, ErrCommunication},
		{"unknown status", pad(Response([]byte{0x42}), 7), 4, nil, ErrStatus},
		{"bad CRC", []byte{0x07, 0x00, 0x00, 0x60, 0x02, 0x80, 0x39}, 4, nil, ErrCRC},
		{"bad status CRC", pad([]byte{0x04, 0x0F, 0x23, 0x43}, 7), 4, nil, ErrCRC},
		{"count too big", pad([]byte{0x50}, 7), 4, nil, ErrCRC},
		{"short data", pad(Response([]byte{1, 2}), 7), 4, nil, ErrResponse},
		{"success instead of data", pad(Response([]byte{0}), 7), 4, nil, ErrResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseResponse(0x30, tc.buf, tc.n)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err: got %v, want %v", err, tc.err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got % x, want % x", got, tc.want)
			}
			var se *StatusError
			if errors.As(err, &se) && se.Op != 0x30 {
				t.Errorf("StatusError.Op 0x%02x", se.Op)
			}
		})
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte{0x07, 0x00, 0x00, 0x60, 0x02, 0x80, 0x38}, 4)
	f.Add([]byte{0x04, 0x0F, 0x23, 0x42, 0xFF, 0xFF, 0xFF}, 4)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 64 {
			return
		}
		buf := make([]byte, 3+max(n, 1))
		copy(buf, b)
		got, err := parseResponse(0x41, buf, n)
		if err == nil && len(got) != n {
			t.Fatalf("accepted %d bytes, want %d", len(got), n)
		}
	})
}

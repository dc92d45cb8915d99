package apdu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

func h(t testing.TB, s string) []byte {
	t.Helper()
	var b []byte
	for _, f := range bytes.Fields([]byte(s)) {
		var v byte
		if _, err := fmt.Sscanf(string(f), "%02X", &v); err != nil {
			t.Fatalf("bad hex %q", f)
		}
		b = append(b, v)
	}
	return b
}

// Byte vectors from the public Thai ID card documentation.
func TestCommandBytesVectors(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"select thai id applet", Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x00, Data: []byte{0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01}}, "00 A4 04 00 08 A0 00 00 00 54 48 00 01"},
		{"read citizen id", Command{CLA: 0x80, INS: 0xB0, P1: 0x00, P2: 0x04, Data: []byte{0x00, 0x0D}}, "80 B0 00 04 02 00 0D"},
		{"get response", Command{CLA: 0x00, INS: 0xC0, P1: 0x00, P2: 0x00, Ne: 0x0D}, "00 C0 00 00 0D"},
		{"get response 3B 67", Command{CLA: 0x00, INS: 0xC0, P1: 0x00, P2: 0x01, Ne: 0x0D}, "00 C0 00 01 0D"},
		{"case 1", Command{CLA: 0x00, INS: 0x70}, "00 70 00 00"},
		{"Ne 256", Command{CLA: 0x00, INS: 0xB0, Ne: 256}, "00 B0 00 00 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if want := h(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("Bytes() = % X, want % X", got, want)
			}
			if s := tt.cmd.String(); s != tt.want {
				t.Errorf("String() = %q, want %q", s, tt.want)
			}
			back, err := ParseCommand(got)
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if back.CLA != tt.cmd.CLA || back.INS != tt.cmd.INS || back.P1 != tt.cmd.P1 || back.P2 != tt.cmd.P2 || !bytes.Equal(back.Data, tt.cmd.Data) || back.Ne != tt.cmd.Ne {
				t.Errorf("ParseCommand = %+v, want %+v", back, tt.cmd)
			}
		})
	}
}

func TestCommandBytesInvalid(t *testing.T) {
	for _, c := range []Command{{Data: make([]byte, 256)}, {Ne: 257}, {Ne: -1}} {
		if _, err := c.Bytes(); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("Bytes(%d data, Ne %d) error = %v, want ErrInvalidCommand", len(c.Data), c.Ne, err)
		}
	}
}

func TestParseCommandInvalid(t *testing.T) {
	for _, s := range []string{"", "00", "00 A4 04", "00 A4 04 00 00 01 02", "00 A4 04 00 08 A0 00", "00 A4 04 00 02 01 02 03 04"} {
		if _, err := ParseCommand(h(t, s)); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("ParseCommand(%q) error = %v, want ErrInvalidCommand", s, err)
		}
	}
}

func TestParseResponse(t *testing.T) {
	for _, s := range []string{"", "90"} {
		if _, err := ParseResponse(h(t, s)); !errors.Is(err, ErrShortResponse) {
			t.Errorf("ParseResponse(%q) error = %v, want ErrShortResponse", s, err)
		}
	}
	r, err := ParseResponse(h(t, "31 32 90 00"))
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Data) != "12" || r.SW != 0x9000 || r.Err() != nil {
		t.Errorf("got %q %04X %v", r.Data, r.SW, r.Err())
	}
	r, _ = ParseResponse(h(t, "6A 82"))
	var se *StatusError
	if err := r.Err(); !errors.As(err, &se) || se.SW != SWFileNotFound || !errors.Is(err, &StatusError{SW: 0x6A82}) {
		t.Errorf("Err() = %v, want file not found", err)
	}
}

// script is a fake card: it answers each expected command with a response.
type script struct {
	t     *testing.T
	steps [][2]string // command, response (hex)
	i     int
}

func (s *script) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if s.i >= len(s.steps) {
		s.t.Fatalf("unexpected command % X", cmd)
	}
	st := s.steps[s.i]
	s.i++
	if want := h(s.t, st[0]); !bytes.Equal(cmd, want) {
		s.t.Fatalf("command %d = % X, want % X", s.i, cmd, want)
	}
	return h(s.t, st[1]), nil
}

func TestChannelT0(t *testing.T) {
	tests := []struct {
		name  string
		p2    byte
		cmd   Command
		steps [][2]string
		want  string
		sw    uint16
	}{
		{"61xx then GET RESPONSE", 0, Command{CLA: 0x80, INS: 0xB0, P2: 0x04, Data: []byte{0, 0x0D}},
			[][2]string{{"80 B0 00 04 02 00 0D", "61 0D"}, {"00 C0 00 00 0D", "31 32 33 34 35 36 37 38 39 30 31 32 31 90 00"}},
			"1234567890121", 0x9000},
		{"GET RESPONSE P2 01 (ATR 3B 67)", 1, Command{CLA: 0x80, INS: 0xB0, P2: 0x04, Data: []byte{0, 0x02}},
			[][2]string{{"80 B0 00 04 02 00 02", "61 02"}, {"00 C0 00 01 02", "41 42 90 00"}},
			"AB", 0x9000},
		{"6Cxx resend with Le", 0, Command{CLA: 0x00, INS: 0xB0, Ne: 10},
			[][2]string{{"00 B0 00 00 0A", "6C 03"}, {"00 B0 00 00 03", "41 42 43 90 00"}},
			"ABC", 0x9000},
		{"chained 61xx", 0, Command{CLA: 0x00, INS: 0xCA, Ne: 4},
			[][2]string{{"00 CA 00 00 04", "41 61 02"}, {"00 C0 00 00 02", "42 43 61 01"}, {"00 C0 00 00 01", "44 90 00"}},
			"ABCD", 0x9000},
		{"error status", 0, Command{CLA: 0x00, INS: 0xA4, P1: 4, Data: []byte{1}},
			[][2]string{{"00 A4 04 00 01 01", "6A 82"}}, "", 0x6A82},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{t: t, steps: tt.steps}
			ch := &Channel{T: s, GetResponseP2: tt.p2}
			r, err := ch.Do(context.Background(), tt.cmd)
			if tt.sw == 0x9000 && err != nil {
				t.Fatal(err)
			}
			if tt.sw != 0x9000 && !errors.Is(err, &StatusError{SW: tt.sw}) {
				t.Fatalf("error = %v, want status %04X", err, tt.sw)
			}
			if string(r.Data) != tt.want || r.SW != tt.sw {
				t.Errorf("got %q %04X, want %q %04X", r.Data, r.SW, tt.want, tt.sw)
			}
			if ch.Count != len(tt.steps) || s.i != len(tt.steps) {
				t.Errorf("APDUs = %d, want %d", ch.Count, len(tt.steps))
			}
		})
	}
}

type loop61 struct{}

func (loop61) Transmit(context.Context, []byte) ([]byte, error) { return []byte{0x61, 0x01}, nil }

func TestChannelEndlessChain(t *testing.T) {
	ch := &Channel{T: loop61{}}
	if _, err := ch.Do(context.Background(), Command{INS: 0xB0, Ne: 1}); !errors.Is(err, ErrTooManyResponses) {
		t.Fatalf("error = %v, want ErrTooManyResponses", err)
	}
}

type short struct{}

func (short) Transmit(context.Context, []byte) ([]byte, error) { return []byte{0x90}, nil }

func TestChannelShortResponse(t *testing.T) {
	ch := &Channel{T: short{}}
	if _, err := ch.Do(context.Background(), Command{INS: 0xB0, Ne: 1}); !errors.Is(err, ErrShortResponse) {
		t.Fatalf("error = %v, want ErrShortResponse", err)
	}
}

func TestStatusErrorText(t *testing.T) {
	for sw, want := range map[uint16]string{
		0x6A82: "apdu: status 6A82 (file or application not found)",
		0x6110: "apdu: status 6110 (16 response bytes still available)",
		0x6C05: "apdu: status 6C05 (wrong Le, exact length 5)",
		0x9123: "apdu: status 9123",
	} {
		if got := (&StatusError{SW: sw}).Error(); got != want {
			t.Errorf("%04X: %q, want %q", sw, got, want)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	f.Add([]byte{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01})
	f.Add([]byte{0x80, 0xB0, 0x00, 0x04, 0x02, 0x00, 0x0D})
	f.Add([]byte{0x00, 0xC0, 0x00, 0x00, 0x0D})
	f.Add([]byte{0x00, 0xB0, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		enc, err := c.Bytes()
		if err != nil {
			t.Fatalf("parsed command does not encode: %v", err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("round trip % X -> % X", b, enc)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte{0x90, 0x00})
	f.Add([]byte{0x61, 0x0D})
	f.Add([]byte{0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if len(b) < 2 {
			if err == nil {
				t.Fatal("short response accepted")
			}
			return
		}
		if err != nil || !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("round trip % X: %v", b, err)
		}
	})
}

func ExampleChannel() {
	// A card that answers the citizen ID read the T=0 way.
	card := fakeCard{
		"80 B0 00 04 02 00 0D": "61 0D",
		"00 C0 00 00 0D":       "31 32 33 34 35 36 37 38 39 30 31 32 31 90 00",
	}
	ch := &Channel{T: card}
	r, err := ch.Do(context.Background(), Command{CLA: 0x80, INS: 0xB0, P1: 0x00, P2: 0x04, Data: []byte{0x00, 0x0D}})
	fmt.Println(string(r.Data), err, ch.Count)
	// Output: 1234567890121 <nil> 2
}

type fakeCard map[string]string

func (f fakeCard) Transmit(_ context.Context, cmd []byte) ([]byte, error) {
	resp, ok := f[hexString(cmd)]
	if !ok {
		return []byte{0x6D, 0x00}, nil
	}
	var b []byte
	for _, fld := range bytes.Fields([]byte(resp)) {
		var v byte
		fmt.Sscanf(string(fld), "%02X", &v)
		b = append(b, v)
	}
	return b, nil
}

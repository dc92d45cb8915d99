package cardsim

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
)

func content() *smartcard.IDCard {
	return &smartcard.IDCard{
		CitizenID: "1234567890121",
		NameTH:    smartcard.Name{Prefix: "นาย", First: "ก", Last: "ข"},
		NameEN:    smartcard.Name{Prefix: "Mr.", First: "A", Last: "B"},
		BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC),
		IssueDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		Gender:    smartcard.GenderMale,
		Photo:     PlaceholderPhoto("x"),
		LaserCode: "JT0-1234567-89",
		Reference: []byte("COSE"),
	}
}

func newCard(t testing.TB, atr []byte, f Faults) *Card {
	t.Helper()
	k, err := New(content(), atr, f)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func hx(s string) []byte {
	var b []byte
	for _, f := range strings.Fields(s) {
		var v byte
		for _, c := range f {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'A') + 10
			}
		}
		b = append(b, v)
	}
	return b
}

func TestCardAPDUs(t *testing.T) {
	k := newCard(t, DefaultATR, Faults{})
	steps := [][2]string{
		{"80 B0 00 04 02 00 0D", "6D 00"}, // nothing selected
		{"00 C0 00 00 0D", "69 85"},       // no pending response
		{"00 A4 04 00 08 A0 00 00 00 54 48 00 FF", "6A 82"},
		{"00 A4 04 00 08 A0 00 00 00 54 48 00 01", "61 0A"},
		{"80 B0 00 04 02 00 0D", "61 0D"},
		{"00 C0 00 00 05", "6C 0D"}, // wrong Le
		{"00 C0 00 00 0D", "31 32 33 34 35 36 37 38 39 30 31 32 31 90 00"},
		{"80 B0 00 E1 02 00 01", "61 01"},
		{"00 C0 00 00 01", "31 90 00"}, // gender '1'
		{"80 B0 FF F0 02 00 FF", "6B 00"},
		{"80 B0 00 04 02 00", "67 00"},
		{"A0 B0 00 00 01", "6E 00"},
		{"00 A4 04 00 08 A0 00 00 00 84 06 00 02", "90 00"},
		{"80 00 00 00 07", "61 10"},
		{"00 C0 00 00 10", "4A 54 30 2D 31 32 33 34 35 36 37 2D 38 39 00 00 90 00"},
		{"00 A4 04 00 09 F0 52 45 47 54 45 52 4D 01", "90 00"},
		{"00 B0 00 00 FF", "00 04 43 4F 53 45 62 82"},
		{"00 B0 00 02 04", "43 4F 53 45 90 00"},
		{"00 B0 00 06 01", "6B 00"},
	}
	for i, st := range steps {
		got, ok := k.Process(hx(st[0]))
		if !ok || !bytes.Equal(got, hx(st[1])) {
			t.Errorf("step %d: %s -> % X, want %s", i, st[0], got, st[1])
		}
	}
	if k.Count() != len(steps) {
		t.Errorf("Count = %d", k.Count())
	}
}

func TestGetResponseP2ByATR(t *testing.T) {
	k := newCard(t, []byte{0x3B, 0x67, 0x00, 0x00, 0x73, 0x20, 0x00, 0x6C, 0x68, 0x90, 0x00}, Faults{})
	k.Process(hx("00 A4 04 00 08 A0 00 00 00 54 48 00 01"))
	k.Process(hx("80 B0 00 E1 02 00 01"))
	if got, _ := k.Process(hx("00 C0 00 00 01")); !bytes.Equal(got, hx("6A 86")) {
		t.Errorf("P2 00 on a 3B 67 card: % X, want 6A 86", got)
	}
	if got, _ := k.Process(hx("00 C0 00 01 01")); !bytes.Equal(got, hx("31 90 00")) {
		t.Errorf("P2 01 on a 3B 67 card: % X", got)
	}
}

func TestFaults(t *testing.T) {
	k := newCard(t, DefaultATR, Faults{WrongLe: true, RemoveAfter: 4})
	k.Process(hx("00 A4 04 00 08 A0 00 00 00 54 48 00 01"))
	k.Process(hx("80 B0 00 E1 02 00 01"))
	if got, _ := k.Process(hx("00 C0 00 00 01")); !bytes.Equal(got, hx("6C 01")) {
		t.Errorf("WrongLe: % X, want 6C 01", got)
	}
	if got, _ := k.Process(hx("00 C0 00 00 01")); !bytes.Equal(got, hx("31 90 00")) {
		t.Errorf("resent GET RESPONSE: % X", got)
	}
	if _, ok := k.Process(hx("00 C0 00 00 01")); ok || !k.Removed() {
		t.Error("RemoveAfter 4 did not pull the card at the 5th APDU")
	}
}

func TestNewRejects(t *testing.T) {
	for name, mod := range map[string]func(c *smartcard.IDCard){
		"separator in name": func(c *smartcard.IDCard) { c.NameTH.First = "a#b" },
		"not TIS-620":       func(c *smartcard.IDCard) { c.Issuer = "office 🏢" },
		"name too long":     func(c *smartcard.IDCard) { c.NameEN.Last = strings.Repeat("x", 100) },
		"photo too big":     func(c *smartcard.IDCard) { c.Photo = make([]byte, 5101) },
		"no birth date":     func(c *smartcard.IDCard) { c.BirthDate = time.Time{} },
		"laser not ASCII":   func(c *smartcard.IDCard) { c.LaserCode = "ก" },
	} {
		c := content()
		mod(c)
		if _, err := New(c, DefaultATR, Faults{}); !errors.Is(err, ErrInvalidProfile) {
			t.Errorf("%s: error = %v, want ErrInvalidProfile", name, err)
		}
	}
	if _, err := New(content(), []byte{0x3B}, Faults{}); !errors.Is(err, ErrInvalidProfile) {
		t.Errorf("1-byte ATR accepted: %v", err)
	}
}

// vpcd's framing: 2-byte big-endian length, 1-byte control messages.
func TestServeVPCDVectors(t *testing.T) {
	k := newCard(t, DefaultATR, Faults{})
	vpcd, card := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(card, k) }()
	send := func(b []byte) { vpcd.Write(b) }
	recv := func(want []byte) {
		t.Helper()
		got := make([]byte, len(want))
		vpcd.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadFull(vpcd, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got % X (%v), want % X", got, err, want)
		}
	}
	send([]byte{0x00, 0x01, 0x00}) // power off: no answer
	send([]byte{0x00, 0x01, 0x01}) // power on: no answer
	send([]byte{0x00, 0x01, 0x04}) // get ATR
	recv(append([]byte{0x00, 0x0C}, DefaultATR...))
	send(append([]byte{0x00, 0x0D}, hx("00 A4 04 00 08 A0 00 00 00 54 48 00 01")...))
	recv([]byte{0x00, 0x02, 0x61, 0x0A})
	send([]byte{0x00, 0x01, 0x02}) // reset: no answer, deselects
	send(append([]byte{0x00, 0x07}, hx("80 B0 00 04 02 00 0D")...))
	recv([]byte{0x00, 0x02, 0x6D, 0x00})
	send([]byte{0x00, 0x01, 0x09}) // unknown control byte
	if err := <-done; err == nil || !strings.Contains(err.Error(), "control byte 09") {
		t.Errorf("Serve = %v", err)
	}
	vpcd.Close()
}

func TestPlaceholderPhoto(t *testing.T) {
	p := PlaceholderPhoto("1234567890121")
	if len(p) > MaxPhoto {
		t.Fatalf("placeholder photo is %d bytes, the card holds %d", len(p), MaxPhoto)
	}
	if _, err := jpeg.Decode(bytes.NewReader(p)); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(p, PlaceholderPhoto("3100500456783")) {
		t.Error("photos of two citizens are identical")
	}
}

func TestLoadCardFiles(t *testing.T) {
	for _, name := range []string{"pinmanee.toml", "somchai-3b67.toml", "kanya-t1.json"} {
		f, err := LoadCardFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Card(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	f, _ := LoadCardFile("testdata/somchai-3b67.toml")
	c, atr, _, err := f.IDCard()
	if err != nil {
		t.Fatal(err)
	}
	if !c.ExpiryDate.IsZero() || atr[1] != 0x67 || c.NameTH.Middle != "ปู่ฤๅษี" || len(c.Reference) == 0 {
		t.Errorf("somchai: expiry %v ATR % X middle %q reference %d", c.ExpiryDate, atr, c.NameTH.Middle, len(c.Reference))
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown.toml": "citizen_id = \"1\"\ncolour = \"red\"\n",
		"unknown.json": `{"citizen_id": "1", "colour": "red"}`,
		"gender.toml":  "gender = \"x\"\nbirth_date = \"1990-01-01\"\nissue_date = \"2020-01-01\"\n",
		"atr.toml":     "atr = \"zz\"\n",
		"card.txt":     "",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if f, err := LoadCardFile(p); err == nil {
			if _, err := f.Card(); err == nil {
				t.Errorf("%s accepted", name)
			}
		}
	}
}

func FuzzProcess(f *testing.F) {
	f.Add(hx("00 A4 04 00 08 A0 00 00 00 54 48 00 01"))
	f.Add(hx("80 B0 00 04 02 00 0D"))
	f.Add(hx("00 C0 00 00 0D"))
	f.Add(hx("00 B0 00 00 FF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k := newCard(t, DefaultATR, Faults{})
		k.Process(hx("00 A4 04 00 08 A0 00 00 00 54 48 00 01"))
		r, ok := k.Process(b)
		if !ok || len(r) < 2 {
			t.Fatalf("response % X", r)
		}
	})
}

func FuzzServe(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0x04})
	f.Add(append([]byte{0x00, 0x0D}, hx("00 A4 04 00 08 A0 00 00 00 54 48 00 01")...))
	f.Fuzz(func(t *testing.T, in []byte) {
		k := newCard(t, DefaultATR, Faults{})
		rw := struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(in), io.Discard}
		if err := Serve(rw, k); err == nil {
			t.Fatal("Serve returned nil at end of input")
		}
	})
}

func ExampleCard() {
	card, err := New(content(), DefaultATR, Faults{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := card.Process([]byte{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01})
	fmt.Printf("% X\n", r)
	// Output: 61 0A
}

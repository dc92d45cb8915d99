package thaiid_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/apdu"
	"github.com/regterm/regterm/drivers/smartcard/pcsctest"
	"github.com/regterm/regterm/drivers/smartcard/thaiid"
	"github.com/regterm/regterm/tools/cardsim"
)

func TestMain(m *testing.M) { pcsctest.Main(m) }

var cardFiles = []string{"pinmanee.toml", "somchai-3b67.toml", "kanya-t1.json"}

func load(t testing.TB, name string, f cardsim.Faults) (*cardsim.Card, *smartcard.IDCard) {
	t.Helper()
	cf, err := cardsim.LoadCardFile(filepath.Join("..", "..", "..", "tools", "cardsim", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	want, atr, _, err := cf.IDCard()
	if err != nil {
		t.Fatal(err)
	}
	want.ATR = atr
	card, err := cardsim.New(want, atr, f)
	if err != nil {
		t.Fatal(err)
	}
	return card, want
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// check compares a decoded card with the card file's content.
func check(t *testing.T, got, want *smartcard.IDCard) {
	t.Helper()
	if got == nil {
		t.Fatal("no card")
	}
	type kv struct {
		name      string
		got, want any
	}
	for _, f := range []kv{
		{"citizen ID", got.CitizenID, want.CitizenID},
		{"Thai name", got.NameTH, want.NameTH},
		{"English name", got.NameEN, want.NameEN},
		{"birth date", got.BirthDate, want.BirthDate},
		{"gender", got.Gender, want.Gender},
		{"issuer", got.Issuer, want.Issuer},
		{"issue date", got.IssueDate, want.IssueDate},
		{"expiry date", got.ExpiryDate, want.ExpiryDate},
		{"address", got.Address, want.Address},
		{"photo number", got.PhotoNumber, want.PhotoNumber},
		{"laser code", got.LaserCode, want.LaserCode},
		{"ATR", fmt.Sprintf("% X", got.ATR), fmt.Sprintf("% X", want.ATR)},
		{"reference", fmt.Sprintf("%X", got.Reference), fmt.Sprintf("%X", want.Reference)},
		{"reference nil", got.Reference == nil, want.Reference == nil},
	} {
		if f.got != f.want {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if len(got.Photo) != 5100 || !bytes.Equal(got.Photo[:len(want.Photo)], want.Photo) {
		t.Errorf("photo: %d bytes, want the %d-byte JPEG in the 5100-byte area", len(got.Photo), len(want.Photo))
	}
	if got.RawHash == ([32]byte{}) {
		t.Error("raw hash not set")
	}
}

// transmitter adapts a cardsim card to apdu.Transmitter, recording commands.
type transmitter struct {
	card *cardsim.Card
	log  [][]byte
}

func (x *transmitter) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	x.log = append(x.log, append([]byte(nil), cmd...))
	r, ok := x.card.Process(cmd)
	if !ok {
		return nil, smartcard.ErrCardRemoved
	}
	return r, nil
}

func TestReadCardInProcess(t *testing.T) {
	for _, name := range cardFiles {
		t.Run(name, func(t *testing.T) {
			card, want := load(t, name, cardsim.Faults{})
			x := &transmitter{card: card}
			got, st, err := thaiid.ReadCard(context.Background(), x, want.ATR)
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, want)
			if st.APDUs != len(x.log) {
				t.Errorf("Stats.APDUs = %d, transmitted %d", st.APDUs, len(x.log))
			}
			// The first commands are the public byte vectors.
			p2 := byte(0)
			if want.ATR[1] == 0x67 {
				p2 = 1
			}
			wantCmds := [][]byte{
				{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01},
				{0x80, 0xB0, 0x00, 0x04, 0x02, 0x00, 0xDE},
				{0x00, 0xC0, 0x00, p2, 0xDE},
			}
			for i, w := range wantCmds {
				if !bytes.Equal(x.log[i], w) {
					t.Errorf("command %d = % X, want % X", i, x.log[i], w)
				}
			}
			// Photo chunk 1 and 20.
			if !containsCmd(x.log, []byte{0x80, 0xB0, 0x01, 0x7B, 0x02, 0x00, 0xFF}) || !containsCmd(x.log, []byte{0x80, 0xB0, 0x14, 0x68, 0x02, 0x00, 0xFF}) {
				t.Error("photo chunks 80 B0 01 7B / 80 B0 14 68 02 00 FF not sent")
			}
		})
	}
}

func containsCmd(log [][]byte, c []byte) bool {
	for _, l := range log {
		if bytes.Equal(l, c) {
			return true
		}
	}
	return false
}

// A card that refuses long reads gets one read per field.
type shortReads struct{ transmitter }

func (s *shortReads) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if len(cmd) == 7 && cmd[0] == 0x80 && cmd[1] == 0xB0 && cmd[6] > 0x64 && cmd[6] != 0xFF {
		s.log = append(s.log, cmd)
		return []byte{0x67, 0x00}, nil
	}
	return s.transmitter.Transmit(ctx, cmd)
}

func TestReadCardFieldByFieldFallback(t *testing.T) {
	card, want := load(t, "pinmanee.toml", cardsim.Faults{})
	x := &shortReads{transmitter{card: card}}
	got, _, err := thaiid.ReadCard(context.Background(), x, want.ATR)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, want)
	if !containsCmd(x.log, []byte{0x80, 0xB0, 0x00, 0x04, 0x02, 0x00, 0x0D}) {
		t.Error("citizen ID not read alone (80 B0 00 04 02 00 0D) after the long read was refused")
	}
}

func TestReadCardRejects(t *testing.T) {
	_, want := load(t, "pinmanee.toml", cardsim.Faults{})
	bad := *want
	bad.CitizenID = "1101700123457" // wrong check digit
	card, err := cardsim.New(&bad, want.ATR, cardsim.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	if c, _, err := thaiid.ReadCard(context.Background(), &transmitter{card: card}, want.ATR); !errors.Is(err, smartcard.ErrInvalidCard) || c != nil {
		t.Errorf("bad check digit: %v, %v", c, err)
	}
	noPhoto := *want
	noPhoto.Photo = nil
	card, _ = cardsim.New(&noPhoto, want.ATR, cardsim.Faults{})
	if c, _, err := thaiid.ReadCard(context.Background(), &transmitter{card: card}, want.ATR); !errors.Is(err, smartcard.ErrInvalidCard) || c != nil {
		t.Errorf("no photo: %v, %v", c, err)
	}
	// Wrong GET RESPONSE P2 for the chip: a 3B 67 card read as if 3B 68.
	card, _ = cardsim.New(want, []byte{0x3B, 0x67, 0x00}, cardsim.Faults{})
	if _, _, err := thaiid.ReadCard(context.Background(), &transmitter{card: card}, []byte{0x3B, 0x68}); !errors.Is(err, &apdu.StatusError{SW: apdu.SWWrongP1P2}) {
		t.Errorf("wrong P2: %v", err)
	}
}

func TestNotAThaiCard(t *testing.T) {
	x := &transmitter{}
	r := func(ctx context.Context, cmd []byte) ([]byte, error) { return []byte{0x6A, 0x82}, nil }
	if _, _, err := thaiid.ReadCard(context.Background(), transmitFunc(r), []byte{0x3B, 0x00}); !errors.Is(err, smartcard.ErrUnsupportedCard) {
		t.Errorf("error = %v, want ErrUnsupportedCard", err)
	}
	_ = x
}

type transmitFunc func(context.Context, []byte) ([]byte, error)

func (f transmitFunc) Transmit(ctx context.Context, b []byte) ([]byte, error) { return f(ctx, b) }

func TestLocalSlotRemovalMidRead(t *testing.T) {
	slot := cardsim.NewLocalSlot()
	r := thaiid.NewReader(slot, nil)
	ctx := ctxT(t, 10*time.Second)
	if _, err := r.Read(ctx); !errors.Is(err, smartcard.ErrNoCard) {
		t.Fatalf("read with no card: %v", err)
	}
	card, _ := load(t, "pinmanee.toml", cardsim.Faults{RemoveAfter: 10})
	slot.Insert(card)
	if p, err := r.WaitPresence(ctx, false); err != nil || !p {
		t.Fatalf("WaitPresence = %v, %v", p, err)
	}
	c, err := r.Read(ctx)
	if !errors.Is(err, smartcard.ErrCardRemoved) || c != nil {
		t.Fatalf("read of a card pulled mid-read = %v, %v; want ErrCardRemoved and no card", c, err)
	}
	if p, err := r.WaitPresence(ctx, true); err != nil || p {
		t.Fatalf("WaitPresence after removal = %v, %v", p, err)
	}
	good, want := load(t, "pinmanee.toml", cardsim.Faults{})
	slot.Insert(good)
	c, err = r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, want)
}

// The same read without pcscd: the cost of the card application itself.
func BenchmarkReadCardInProcess(b *testing.B) {
	card, want := load(b, "somchai-3b67.toml", cardsim.Faults{})
	x := &transmitter{card: card}
	apdus := 0
	for i := 0; i < b.N; i++ {
		x.log = x.log[:0]
		_, st, err := thaiid.ReadCard(context.Background(), x, want.ATR)
		if err != nil {
			b.Fatal(err)
		}
		apdus += st.APDUs
	}
	b.ReportMetric(float64(apdus)/float64(b.N), "APDUs/read")
}

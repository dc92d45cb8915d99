package thaiid_test

import (
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/thaiid"
	"github.com/regterm/regterm/tools/cardsim"
)

// ReadProgress reports a rising percentage that stays below 100 and reads
// the same card as Read.
func TestReadProgress(t *testing.T) {
	slot := cardsim.NewLocalSlot()
	var r smartcard.ProgressReader = thaiid.NewReader(slot, nil)
	card, want := load(t, "pinmanee.toml", cardsim.Faults{})
	slot.Insert(card)
	var got []int
	c, err := r.ReadProgress(ctxT(t, 10*time.Second), func(p int) { got = append(got, p) })
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, want)
	if len(got) < 20 {
		t.Fatalf("got %d progress reports, want one per APDU (>= 20)", len(got))
	}
	for i, p := range got {
		if p < 0 || p > 99 || i > 0 && p < got[i-1] {
			t.Fatalf("progress %v is not rising within 0..99", got)
		}
	}
	if last := got[len(got)-1]; last < 80 {
		t.Errorf("got last progress %d%%, want near the end (>= 80)", last)
	}
}

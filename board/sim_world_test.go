//go:build !release

package board

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"

	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/reference"
)

// TestWorld checks the simulated world end to end: the cards carry
// references the registry key verifies, the citizen's finger matches the
// card's reference, the impostor's and the other citizen's fingers do not,
// and the cloned card is refused.
func TestWorld(t *testing.T) {
	w, err := newWorld(&Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src := &reference.CardSource{RegistryKey: &w.RegistryKey.PublicKey}
	ref, err := src.Reference(ctx, w.Citizen.Card.CitizenID, &w.Citizen.Card)
	if err != nil {
		t.Fatalf("citizen card: %v", err)
	}
	other, err := src.Reference(ctx, w.Other.Card.CitizenID, &w.Other.Card)
	if err != nil {
		t.Fatalf("second citizen card: %v", err)
	}
	if _, err := src.Reference(ctx, w.Clone.Card.CitizenID, &w.Clone.Card); !errors.Is(err, reference.ErrWrongCitizen) {
		t.Errorf("cloned card: err = %v, want ErrWrongCitizen", err)
	}
	if w.Finger.Image == w.Reference.Image || bytes.Equal(w.Finger.Image.Pix, w.Reference.Image.Pix) {
		t.Error("the sensor serves the very impression the reference was made from")
	}
	if b := w.Finger.Image.Bounds(); b.Dx() != 256 || b.Dy() != 288 || w.Finger.DPI != 500 {
		t.Errorf("sensor impression %v at %d dpi, want 256x288 at 500", b, w.Finger.DPI)
	}
	extract := func(f *SimFinger) *biometric.Template {
		tp, err := biometric.Extract(f.Image, f.DPI)
		if err != nil {
			t.Fatal(err)
		}
		return tp
	}
	live, impostor, otherLive := extract(w.Finger), extract(w.Impostor), extract(w.OtherFinger)
	thr := biometric.ThresholdForFMR(1e-4)
	genuine := biometric.Match(live, ref.Template)
	genuine2 := biometric.Match(otherLive, other.Template)
	imp := []float64{biometric.Match(impostor, ref.Template), biometric.Match(otherLive, ref.Template), biometric.Match(live, other.Template)}
	t.Logf("genuine %.1f, %.1f; impostors %.1f; threshold (FMR 1e-4) %.1f", genuine, genuine2, imp, thr)
	if genuine < thr || genuine2 < thr {
		t.Errorf("genuine scores %.1f, %.1f below the FMR 1e-4 threshold %.1f", genuine, genuine2, thr)
	}
	officer := biometric.Match(extract(w.OfficerFinger), extract(w.OfficerEnrolled))
	imp = append(imp, biometric.Match(extract(w.OfficerFinger), ref.Template), biometric.Match(live, extract(w.OfficerEnrolled)))
	t.Logf("officer %.1f; impostors with the officer %.1f", officer, imp)
	if officer < thr {
		t.Errorf("officer's finger scores %.1f against the officer gallery, below %.1f", officer, thr)
	}
	// The UART sensor modules send 4-bit pixels: the demo must match
	// through that too.
	q := &SimFinger{Image: image.NewGray(w.Finger.Image.Bounds()), DPI: w.Finger.DPI}
	for i, v := range w.Finger.Image.Pix {
		q.Image.Pix[i] = v&0xF0 | v>>4
	}
	if s := biometric.Match(extract(q), ref.Template); s < thr {
		t.Errorf("4-bit sensor frame scores %.1f, below %.1f", s, thr)
	}
	for i, s := range imp {
		if s >= biometric.ThresholdForFMR(1e-3) {
			t.Errorf("impostor comparison %d scores %.1f, at or above the FMR 1e-3 threshold", i, s)
		}
	}
}

func BenchmarkNewWorld(b *testing.B) {
	for b.Loop() {
		if _, err := newWorld(&Env{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/world")
}

package iso19794

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/regterm/regterm/firmware/biometric"
)

func addSeeds(f *testing.F) {
	f.Add(isoVector)
	f.Add(ansiVector)
	f.Add(isoVector[:30])
	r := *ansiVectorRecord
	r.Views = append(r.Views, View{Position: 4, Extended: []byte{0, 1, 0, 5, 9}})
	if b, err := r.Encode(); err == nil {
		f.Add(b)
	}
	if b, err := EncodeTemplate(flowTemplate(), ISO2005, nil); err == nil {
		f.Add(b)
		f.Add(b[:len(b)-3])
	}
	if b, err := EncodeTemplate(periodTemplate(), ISO2005, nil); err == nil {
		f.Add(b)
		f.Add(b[:len(b)-3])
	}
	// the NIST records when the shared data folder is there
	for _, p := range []string{"templates/libbiomeval/fmr.iso2005", "templates/libbiomeval/fmr.ansi2004", "minex-samples/iso_fingerjetfx/a001_04p.ist"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "data", "fingerprints", p)); err == nil {
			f.Add(b)
		}
	}
}

// FuzzDecode checks that Decode never panics, returns either a record or
// an error, and that every record it returns encodes, and decodes again to
// the same record.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		r, err := Decode(b)
		if !bytes.Equal(in, b) {
			t.Fatal("Decode modified its input")
		}
		if err != nil {
			if r != nil {
				t.Fatal("record returned with an error")
			}
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v wraps neither ErrFormat nor ErrVersion", err)
			}
			return
		}
		enc, err := r.Encode()
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		r2, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", r, r2)
		}
	})
}

// FuzzTemplate checks the template conversion of any decodable record in
// both formats: encoding succeeds and decodes to the same positions, kinds
// and qualities.
func FuzzTemplate(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		tp, err := DecodeTemplate(b)
		if err != nil {
			return
		}
		if tp.DPI <= 0 {
			t.Fatalf("template with %d dpi", tp.DPI)
		}
		// a decoded flow (and period map) is safe to match
		if s := biometric.Match(tp, tp); math.IsNaN(s) || s < 0 {
			t.Fatalf("self score %v", s)
		}
		for _, fm := range []Format{ISO2005, ANSI2004} {
			enc, err := EncodeTemplate(tp, fm, nil)
			if err != nil {
				// only a resolution that does not survive dpi rounding
				// may fail
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("%v: %v", fm, err)
				}
				continue
			}
			got, err := DecodeTemplate(enc)
			if err != nil {
				t.Fatalf("%v: decode of encoded template: %v", fm, err)
			}
			if (got.Flow == nil) != (tp.Flow == nil) || got.Flow != nil && !bytes.Equal(got.Flow.Period, tp.Flow.Period) {
				t.Fatalf("%v: flow %+v, want %+v", fm, got.Flow, tp.Flow)
			}
			if len(got.Minutiae) != len(tp.Minutiae) {
				t.Fatalf("%v: %d minutiae, want %d", fm, len(got.Minutiae), len(tp.Minutiae))
			}
			for i := range got.Minutiae {
				a, w := got.Minutiae[i], tp.Minutiae[i]
				if a.X != w.X || a.Y != w.Y || a.Kind != w.Kind || a.Quality != w.Quality {
					t.Fatalf("%v: minutia %d: %+v, want %+v", fm, i, a, w)
				}
			}
		}
	})
}

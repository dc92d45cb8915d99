package iso19794

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"

	_ "golang.org/x/image/tiff"

	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/internal/testpeer"
)

func flowTemplate() *biometric.Template {
	return &biometric.Template{
		Width: 300, Height: 400, DPI: 500, Quality: 60,
		Minutiae: []biometric.Minutia{{X: 10, Y: 20, Angle: 1, Kind: biometric.KindEnding, Quality: 50}},
		Flow:     &biometric.Flow{Width: 3, Height: 2, Cell: 16, Dir: []uint8{0, 1, 91, 180, 45, 0}},
	}
}

// TestFlowVector pins the FlowArea bytes.
func TestFlowVector(t *testing.T) {
	r, err := FromTemplate(flowTemplate(), ISO2005, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x52, 0x46, // type "RF"
		0x00, 0x11, // length: 11 + 6
		0x01,       // version
		0x04, 0x00, // cell 16 px = 1024/64
		0x00, 0x03, 0x00, 0x02, // 3 × 2 cells
		0, 1, 91, 180, 45, 0,
	}
	if got := r.Views[0].Extended; !bytes.Equal(got, want) {
		t.Errorf("extended data:\ngot  % x\nwant % x", got, want)
	}
	// with a period map: the FlowArea as before, then the PeriodArea
	r, err = FromTemplate(periodTemplate(), ISO2005, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want,
		0x52, 0x50, // type "RP"
		0x00, 0x09, // length: 5 + 4 foreground cells
		0x01, // version
		144, 160, 255, 80,
	)
	if got := r.Views[0].Extended; !bytes.Equal(got, want) {
		t.Errorf("extended data with periods:\ngot  % x\nwant % x", got, want)
	}
	r, err = FromTemplate(periodTemplate(), ISO2005, &Opts{OmitFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Views[0].Extended); n != 0 {
		t.Errorf("OmitFlow: %d bytes of extended data, want 0", n)
	}
}

// periodTemplate is flowTemplate with a ridge-period map.
func periodTemplate() *biometric.Template {
	t := flowTemplate()
	t.Flow.Period = []uint8{0, 144, 160, 255, 80, 0}
	return t
}

// TestPeriodRead: the period map is read back when it follows the flow;
// a flow alone, or followed by another area, has none and is no error; a
// malformed period area is ErrFormat.
func TestPeriodRead(t *testing.T) {
	withPer, err := appendFlow(nil, periodTemplate().Flow)
	if err != nil {
		t.Fatal(err)
	}
	flowOnly, err := appendFlow(nil, flowTemplate().Flow)
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), withPer...)) }
	other := []byte{0x00, 0x02, 0x00, 0x07, 1, 2, 3}
	for _, tc := range []struct {
		name    string
		ext     []byte
		wantPer []uint8
		wantErr bool
	}{
		{"flow and period", withPer, periodTemplate().Flow.Period, false},
		{"flow only", flowOnly, nil, false},
		{"flow, another area", append(append([]byte(nil), flowOnly...), other...), nil, false},
		{"flow, period, another area", append(append([]byte(nil), withPer...), other...), periodTemplate().Flow.Period, false},
		{"flow, one stray byte", append(append([]byte(nil), flowOnly...), 0x52), nil, false},
		{"period header truncated", withPer[:len(flowOnly)+4], nil, true},
		{"period cells truncated", withPer[:len(withPer)-1], nil, true},
		{"period version", mod(func(b []byte) []byte { b[len(flowOnly)+4] = 2; return b }), nil, true},
		{"period length short", mod(func(b []byte) []byte { b[len(flowOnly)+3]--; return b }), nil, true},
		{"period length long", mod(func(b []byte) []byte { b[len(flowOnly)+3]++; return append(b, 0) }), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := withExtended(t, tc.ext)
			tp, err := DecodeTemplate(b)
			if tc.wantErr {
				if !errors.Is(err, ErrFormat) || tp != nil {
					t.Errorf("got %v, %v; want nil, ErrFormat", tp, err)
				}
				return
			}
			if err != nil || tp.Flow == nil {
				t.Fatalf("got %v, %v; want a flow", tp, err)
			}
			if !bytes.Equal(tp.Flow.Period, tc.wantPer) || (tc.wantPer == nil) != (tp.Flow.Period == nil) {
				t.Errorf("period: got %v, want %v", tp.Flow.Period, tc.wantPer)
			}
			if !bytes.Equal(tp.Flow.Dir, flowTemplate().Flow.Dir) {
				t.Errorf("dir: got %v", tp.Flow.Dir)
			}
		})
	}
	// background cells carry no period
	bg := periodTemplate()
	bg.Flow.Period[0] = 99
	b, err := EncodeTemplate(bg, ISO2005, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tp, err := DecodeTemplate(b); err != nil || !bytes.Equal(tp.Flow.Period, periodTemplate().Flow.Period) {
		t.Errorf("period of a background cell: got %v, %v; want %v", tp, err, periodTemplate().Flow.Period)
	}
	bad := periodTemplate()
	bad.Flow.Period = bad.Flow.Period[:5]
	if _, err := FromTemplate(bad, ISO2005, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("period map of 5 cells for 6: got %v, want ErrInvalid", err)
	}
}

func TestFlowRoundTrip(t *testing.T) {
	for _, f := range []Format{ISO2005, ANSI2004} {
		t.Run(f.String(), func(t *testing.T) {
			in := periodTemplate()
			in.Flow.Cell = 500.0 / 569 * 16 // a resampled image's cell
			b, err := EncodeTemplate(in, f, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := DecodeTemplate(b)
			if err != nil {
				t.Fatal(err)
			}
			if out.Flow == nil {
				t.Fatal("flow lost")
			}
			if out.Flow.Width != 3 || out.Flow.Height != 2 || !bytes.Equal(out.Flow.Dir, in.Flow.Dir) || !bytes.Equal(out.Flow.Period, in.Flow.Period) {
				t.Errorf("flow: got %+v, want %+v", out.Flow, in.Flow)
			}
			if d := out.Flow.Cell - in.Flow.Cell; d > 1.0/128 || d < -1.0/128 {
				t.Errorf("cell: got %v, want %v ± 1/128", out.Flow.Cell, in.Flow.Cell)
			}
		})
	}
}

func TestFlowErrors(t *testing.T) {
	good, err := appendFlow(nil, flowTemplate().Flow)
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name string
		ext  []byte
	}{
		{"truncated header", good[:7]},
		{"truncated cells", good[:len(good)-1]},
		{"version", mod(func(b []byte) []byte { b[4] = 2; return b })},
		{"length short", mod(func(b []byte) []byte { b[3]--; return b })},
		{"length long", mod(func(b []byte) []byte { b[3]++; return append(b, 0) })},
		{"zero width", mod(func(b []byte) []byte { b[7], b[8] = 0, 0; return b })},
		{"huge", mod(func(b []byte) []byte { b[7], b[8] = 0x40, 0; return b })},
		{"cell below a pixel", mod(func(b []byte) []byte { b[5], b[6] = 0, 10; return b })},
		{"direction 181", mod(func(b []byte) []byte { b[len(b)-1] = 181; return b })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := withExtended(t, tc.ext)
			tp, err := DecodeTemplate(b)
			if !errors.Is(err, ErrFormat) || tp != nil {
				t.Errorf("got %v, %v; want nil, ErrFormat", tp, err)
			}
			// the record itself still decodes: only the flow is refused
			if _, err := Decode(b); err != nil {
				t.Errorf("Decode: %v", err)
			}
		})
	}
	// other vendors' areas first: no flow, no error
	b := withExtended(t, append([]byte{0x00, 0x02, 0x00, 0x07, 1, 2, 3}, good...))
	tp, err := DecodeTemplate(b)
	if err != nil || tp.Flow != nil {
		t.Errorf("core/delta area first: got flow %v, err %v; want none, nil", tp.Flow, err)
	}
	for _, bad := range []*biometric.Flow{
		{Width: 2, Height: 2, Cell: 16, Dir: []uint8{1, 2, 3}},
		{Width: 1, Height: 1, Cell: 0.5, Dir: []uint8{1}},
		{Width: 1, Height: 1, Cell: 16, Dir: []uint8{200}},
		{Width: 600, Height: 1, Cell: 16, Dir: make([]uint8, 600)},
	} {
		tp := flowTemplate()
		tp.Flow = bad
		if _, err := FromTemplate(tp, ISO2005, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("flow %dx%d cell %v: got %v, want ErrInvalid", bad.Width, bad.Height, bad.Cell, err)
		}
	}
}

// TestFlowMatchesAfterRecord: a real impression's template written to a
// record and read back scores like the template itself (the orientation
// term travels with the reference on the card).
func TestFlowMatchesAfterRecord(t *testing.T) {
	dir := testpeer.Data(t, "fingerprints/fvc2002_db1_b")
	load := func(name string) *biometric.Template {
		fh, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		img, _, err := image.Decode(fh)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := biometric.Extract(img.(*image.Gray), 500)
		if err != nil {
			t.Fatal(err)
		}
		return tp
	}
	a, b := load("101_1.tif"), load("101_2.tif")
	if a.Flow == nil {
		t.Fatal("Extract gave no flow")
	}
	enc, err := EncodeTemplate(a, ISO2005, nil)
	if err != nil {
		t.Fatal(err)
	}
	ra, err := DecodeTemplate(enc)
	if err != nil {
		t.Fatal(err)
	}
	noFlow, err := EncodeTemplate(a, ISO2005, &Opts{OmitFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	rn, err := DecodeTemplate(noFlow)
	if err != nil {
		t.Fatal(err)
	}
	if rn.Flow != nil {
		t.Fatal("OmitFlow record has a flow")
	}
	minutiaeOnly := biometric.Match(rn, b)
	// the record's minutiae (angles quantised) with the original flow: the
	// flow read back must score exactly like it (16 px cells are exact)
	rn.Flow = a.Flow
	want := biometric.Match(rn, b)
	got := biometric.Match(ra, b)
	if got != want {
		t.Errorf("score with the flow read back: got %.3f, want %.3f", got, want)
	}
	t.Logf("genuine score through records: %.1f with the flow, %.1f minutiae only (%d vs %d bytes)", got, minutiaeOnly, len(enc), len(noFlow))
}

// withExtended encodes flowTemplate's minutiae as an ISO 2005 record whose
// only extended data is ext.
func withExtended(t *testing.T, ext []byte) []byte {
	t.Helper()
	r, err := FromTemplate(flowTemplate(), ISO2005, &Opts{OmitFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	r.Views[0].Extended = ext
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

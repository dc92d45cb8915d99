package screen

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"

	"github.com/regterm/regterm/internal/testpeer"
)

// hbGlyph is one glyph of `hb-shape --output-format=json`.
type hbGlyph struct {
	G  int `json:"g"`
	Cl int `json:"cl"`
	Dx int `json:"dx"`
	Dy int `json:"dy"`
	Ax int `json:"ax"`
	Ay int `json:"ay"`
}

// TestShapeMatchesHarfBuzz shapes Thai strings with vowels above and below
// the consonant and tone marks stacked on them, and compares glyph ids and
// positions with what HarfBuzz's own hb-shape gives for the same font. Both
// run at a scale of one unit per font unit, so positions compare exactly.
func TestShapeMatchesHarfBuzz(t *testing.T) {
	hb := testpeer.Command(t, "hb-shape")
	needFonts(t)
	strs := []string{
		"ผู้ใหญ่",      // sara uu below + mai tho above
		"กรุณาวางนิ้ว", // sara u below, sara i + mai tho stacked
		"ปิ่นมณี",      // tall consonant with sara i + mai ek (narrow/small forms)
		"ป่าไม้",       // mai ek shifted left on a tall consonant
		"ฐูปั้น",       // below-base consonant descender removed before sara uu
		"น้ำ",          // sara am decomposed around the tone mark
		"ลายนิ้วมือไม่ตรงกัน", // a whole line from the screens
	}
	for _, path := range []string{DefaultFontPath, DefaultBoldFontPath} {
		face, err := loadFace(path)
		if err != nil {
			t.Fatal(err)
		}
		fs := &faces{thai: face, thaiBold: face, latin: face, latinBold: face}
		upem := int(face.Upem())
		var sh shaping.HarfbuzzShaper
		for _, s := range strs {
			t.Run(filepath.Base(path)+"/"+s, func(t *testing.T) {
				out, err := exec.Command(hb, "--output-format=json", "--no-glyph-names",
					"--script=thai", "--language=th", "--direction=ltr", path, s).Output()
				if err != nil {
					t.Fatalf("hb-shape: %v", err)
				}
				var want []hbGlyph
				if err := json.Unmarshal(out, &want); err != nil {
					t.Fatalf("hb-shape output %q: %v", out, err)
				}
				got := fs.shape(&sh, s, upem, false)
				if len(got.glyphs) != len(want) {
					t.Fatalf("%d glyphs, hb-shape %d: %+v", len(got.glyphs), len(want), want)
				}
				pen := 0
				marks := 0
				for i, w := range want {
					g := got.glyphs[i]
					wx, wy := pen+w.Dx, -w.Dy
					if int(g.id) != w.G || g.x != fixed.I(wx) || g.y != fixed.I(wy) {
						t.Errorf("glyph %d: got id %d at (%v,%v), hb-shape id %d at (%d,%d)",
							i, g.id, g.x, g.y, w.G, wx, wy)
					}
					if w.Ax == 0 {
						marks++
					}
					pen += w.Ax
				}
				if got.width != fixed.I(pen) {
					t.Errorf("width %v, hb-shape %d", got.width, pen)
				}
				if marks == 0 {
					t.Errorf("no zero-advance marks: the string does not test mark placement")
				}
			})
		}
	}
}

// TestRuns splits mixed text into Thai and Latin runs.
func TestRuns(t *testing.T) {
	needFonts(t)
	th, err := loadFace(DefaultFontPath)
	if err != nil {
		t.Fatal(err)
	}
	la, err := loadFace(DefaultLatinPath)
	if err != nil {
		t.Fatal(err)
	}
	fs := &faces{thai: th, thaiBold: th, latin: la, latinBold: la}
	text := []rune("ครั้งที่ 2 จาก 3 · Attempt")
	rs := fs.runs(text, false)
	var got []string
	for _, r := range rs {
		name := "th"
		if r.face == la {
			name = "en"
		}
		got = append(got, name+":"+string(text[r.start:r.end]))
	}
	want := []string{"th:ครั้งที่ ", "en:2 ", "th:จาก ", "en:3 · Attempt"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("run %d: got %q, want %q", i, got[i], want[i])
		}
	}
	// Every glyph of the line exists in its font: no .notdef boxes.
	var sh shaping.HarfbuzzShaper
	for _, g := range fs.shape(&sh, string(text), 16, false).glyphs {
		if g.id == 0 {
			t.Errorf("notdef glyph in %q", string(text))
		}
	}
}

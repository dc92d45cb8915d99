package screen

import (
	"testing"

	"github.com/regterm/regterm/firmware/enroll"
)

// A development key turns the status bar red on every screen.
func TestDevKeyWarning(t *testing.T) {
	needFonts(t)
	r, _ := newRenderer(t)
	for _, dev := range []bool{false, true} {
		if err := r.Show(enroll.Screen{ID: enroll.ScreenReady, Officer: "OFF-0001", DevKey: dev}); err != nil {
			t.Fatal(err)
		}
		got := r.Frame().RGBAAt(2, 2)
		want := colBar
		if dev {
			want = colBad
		}
		if got != want {
			t.Errorf("DevKey=%v: got status bar colour %v, want %v", dev, got, want)
		}
	}
}

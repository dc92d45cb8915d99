package fpsynth

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

// TestGolden pins the generator's output: the SHA-256 of a few small
// impressions, the same on amd64, arm64 and arm/v7. Any change to the
// algorithm changes it; rerun with -update after an intended change (the
// sim world's seeds may then need checking, see board's TestWorld).
func TestGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range []Class{ClassArch, ClassLeftLoop, ClassWhorl} {
		f, err := NewFinger(7, &Opts{Width: 96, Height: 112, Class: c})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []uint64{1, 2} {
			fmt.Fprintf(&b, "%v %d %x\n", c, s, sha256.Sum256(f.Impression(s).Pix))
		}
	}
	path := filepath.Join("testdata", "golden.txt")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("impressions changed:\ngot\n%swant\n%s", got, want)
	}
}

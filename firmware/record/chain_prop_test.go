package record

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestCheckerProperties: records of a clean chain delivered in any order,
// with any of them dropped or repeated, give exactly one Duplicate per
// repeat, a Reordered per record that arrives after a higher one, Gaps that
// are exactly the dropped sequences below the highest delivered one, and
// never a BrokenChain.
func TestCheckerProperties(t *testing.T) {
	k := newKey(t)
	const n = 12
	chain := chainOf(t, k, 1, n)
	rapid.Check(t, func(t *rapid.T) {
		var order []int
		for i := 0; i < n; i++ {
			for c := rapid.IntRange(0, 2).Draw(t, "copies"); c > 0; c-- {
				order = append(order, i)
			}
		}
		order = rapid.Permutation(order).Draw(t, "order")
		var recs [][]byte
		for _, i := range order {
			recs = append(recs, chain[i])
		}
		got := CheckChain(recs, keysOf(k))

		var wantDup, wantReord int
		seen := map[int]bool{}
		highest := -1
		for _, i := range order {
			if seen[i] {
				wantDup++
				continue
			}
			seen[i] = true
			if i < highest {
				wantReord++
			}
			highest = max(highest, i)
		}
		var missing []uint64
		for i := 0; i < highest; i++ {
			if !seen[i] {
				missing = append(missing, uint64(i+1))
			}
		}
		var dup, reord int
		var gaps []uint64
		for _, a := range got {
			switch a.Kind {
			case Duplicate:
				dup++
			case Reordered:
				reord++
			case Gap:
				for s := a.Missing.First; s <= a.Missing.Last; s++ {
					gaps = append(gaps, s)
				}
			default:
				t.Fatalf("unexpected anomaly %v", a)
			}
		}
		if dup != wantDup || reord != wantReord || !slices.Equal(gaps, missing) {
			t.Fatalf("order %v: duplicates %d (want %d), reordered %d (want %d), gaps %v (want %v)",
				order, dup, wantDup, reord, wantReord, gaps, missing)
		}
	})
}

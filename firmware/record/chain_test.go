package record

import (
	"bytes"
	"crypto"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/regterm/regterm/drivers/hwkey"
)

func keysOf(ss ...hwkey.Signer) Keys {
	return func(id [32]byte) crypto.PublicKey {
		for _, s := range ss {
			if s.KeyID() == id {
				return s.Public()
			}
		}
		return nil
	}
}

// summary renders anomalies as "kind@index:seq" (gaps "gap:first-last").
func summary(as []Anomaly) string {
	var s []string
	for _, a := range as {
		if a.Kind == Gap {
			s = append(s, fmt.Sprintf("gap:%d-%d", a.Missing.First, a.Missing.Last))
			continue
		}
		s = append(s, fmt.Sprintf("%v@%d:%d", a.Kind, a.Index, a.ID.Seq))
	}
	return strings.Join(s, ",")
}

func TestChecker(t *testing.T) {
	k := newKey(t)
	other := newKey(t)
	c := chainOf(t, k, 1, 6) // c[i] has seq i+1
	forkRec := matchRecord()
	forkRec.CitizenID = "9999999999999"
	fork, err := forkRec.Seal(k, 1, 3, Hash(c[1]))
	if err != nil {
		t.Fatal(err)
	}
	wrongPrev, err := matchRecord().Seal(k, 1, 4, Hash(c[0]))
	if err != nil {
		t.Fatal(err)
	}
	// Seal refuses a non-zero prev for seq 1; a broken firmware might not.
	kid := k.KeyID()
	badFirst := sealRaw(t, k, map[int]any{1: 1, 2: 1, 3: map[int]any{1: "BKK-0042", 2: 1, 3: 1}, 4: 1,
		5: bytes.Repeat([]byte{9}, 32), 7: "BKK-0042", 8: kid[:], 17: 1, 18: "rtc"})
	badSig := bytes.Clone(c[2])
	badSig[len(badSig)-1] ^= 1
	byOther := chainOf(t, other, 1, 1)[0]
	future := futureRecord(t, k, 7, Hash(c[5]))
	otherEpoch := chainOf(t, k, 2, 2)

	for _, tc := range []struct {
		name string
		recs [][]byte
		keys Keys
		want string
	}{
		{"clean", c, keysOf(k), ""},
		{"two epochs interleaved", [][]byte{c[0], otherEpoch[0], c[1], otherEpoch[1]}, keysOf(k), ""},
		{"gap", [][]byte{c[0], c[1], c[4], c[5]}, keysOf(k), "gap:3-4"},
		{"missing start", [][]byte{c[2], c[3]}, keysOf(k), "gap:1-2"},
		{"gap filled late", [][]byte{c[0], c[1], c[3], c[2]}, keysOf(k), "reordered@3:3"},
		{"duplicate", [][]byte{c[0], c[1], c[1], c[2]}, keysOf(k), "duplicate@2:2"},
		{"replay of an old record", [][]byte{c[0], c[1], c[2], c[0]}, keysOf(k), "duplicate@3:1"},
		{"reordered", [][]byte{c[0], c[2], c[1], c[3]}, keysOf(k), "reordered@2:2"},
		{"fork", [][]byte{c[0], c[1], fork, c[2]}, keysOf(k), "conflict@3:3"},
		{"broken chain", [][]byte{c[0], c[1], c[2], wrongPrev}, keysOf(k), "broken chain@3:4"},
		{"broken chain found backwards", [][]byte{c[0], wrongPrev, c[2]}, keysOf(k), "reordered@2:3,broken chain@1:4,gap:2-2"},
		{"first record points elsewhere", [][]byte{badFirst}, keysOf(k), "broken chain@0:1"},
		{"bad signature", [][]byte{c[0], c[1], badSig, c[3]}, keysOf(k), "bad signature@2:3,gap:3-3"},
		{"unknown key still chained", [][]byte{byOther}, keysOf(k), "unknown key@0:1"},
		{"no keys at all", c[:2], nil, "unknown key@0:1,unknown key@1:2"},
		{"newer firmware in the chain", append(slices.Clone(c), future), keysOf(k), "unknown version@6:7"},
		{"malformed", [][]byte{c[0], []byte("junk"), c[1]}, keysOf(k), "malformed@1:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := summary(CheckChain(tc.recs, tc.keys)); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCheckerStreaming(t *testing.T) {
	k := newKey(t)
	c := chainOf(t, k, 1, 5)
	ch := NewChecker(keysOf(k))
	for _, i := range []int{0, 3} {
		if r, a := ch.Add(c[i]); r == nil || len(a) != 0 {
			t.Fatalf("Add seq %d: %v %v", i+1, r, a)
		}
	}
	if got, want := summary(ch.Gaps()), "gap:2-3"; got != want {
		t.Errorf("Gaps: got %q, want %q", got, want)
	}
	ch.Add(c[1])
	ch.Add(c[2])
	if got := ch.Gaps(); len(got) != 0 {
		t.Errorf("Gaps after filling: %v", got)
	}
	if _, a := ch.Add(c[4]); len(a) != 0 {
		t.Errorf("in-order record after filling: %v", a)
	}
}

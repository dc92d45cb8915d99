package record

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/soft"
)

// goldenKey is the key of the golden vectors (testdata/key.pem).
func goldenKey(t testing.TB) *soft.Key {
	t.Helper()
	k, err := soft.Open(filepath.Join("testdata", "key.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newKey(t testing.TB) *soft.Key {
	t.Helper()
	k, err := soft.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// matchRecord is the content of testdata/match.cose before sealing.
func matchRecord() *Record {
	return &Record{
		Kind:          KindMatch,
		NoticeVersion: "privacy-2026-01",
		TerminalID:    "BKK-0042",
		OfficerID:     "OFF-3100700123456",
		CitizenID:     "1101700230705",
		ChipNumber:    "0123456789ABCDEF",
		LaserCode:     "JT0-1234567-89",
		CardHash:      bytes.Repeat([]byte{0xCA}, 32),
		Match:         &Match{Score: 61.5, Threshold: 40, Finger: 2, Quality: 71, Algorithm: "regterm-mcc/1"},
		TokenHash:     bytes.Repeat([]byte{0x70}, 32),
		TimeUnixMilli: 1764576000123,
		TimeSource:    TimeRTC,
		BootMilli:     3600000,
		Firmware:      "1.0.0",
	}
}

// exceptionRecord is the content of testdata/exception.cose.
func exceptionRecord() *Record {
	r := matchRecord()
	r.Kind = KindException
	r.Match = nil
	r.Exception = &Exception{SupervisorID: "SUP-0007", Reason: "no-finger"}
	r.CitizenID = "3100700123456"
	r.TimeUnixMilli = 1764576060000
	r.TimeSource = TimeFloor
	return r
}

// chainOf seals n records with s as one epoch.
func chainOf(t testing.TB, s hwkey.Signer, epoch uint64, n int) [][]byte {
	t.Helper()
	var out [][]byte
	var prev [32]byte
	for i := 1; i <= n; i++ {
		r := matchRecord()
		r.CitizenID = string(rune('0'+i%10)) + "101700230705"
		b, err := r.Seal(s, epoch, uint64(i), prev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
		prev = Hash(b)
	}
	return out
}

// sealRaw signs an arbitrary payload map the way a newer firmware would.
func sealRaw(t testing.TB, s hwkey.Signer, payload map[int]any) []byte {
	t.Helper()
	p, err := encMode.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	kid := s.KeyID()
	b, err := sign1(rand.Reader, s, kid[:], p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// futureRecord is a version-2 record with keys 21 and 99 this reader does
// not know, chained after prev.
func futureRecord(t testing.TB, s hwkey.Signer, seq uint64, prev [32]byte) []byte {
	kid := s.KeyID()
	return sealRaw(t, s, map[int]any{
		1: 2, 2: 1, 3: map[int]any{1: "BKK-0042", 2: 1, 3: seq}, 4: seq, 5: prev[:],
		6: "privacy-2027-01", 7: "BKK-0042", 8: kid[:], 9: "OFF-3100700123456",
		10: "1101700230705", 13: bytes.Repeat([]byte{1}, 32),
		14: map[int]any{1: 70.0, 2: 40.0, 3: 7, 4: 80, 5: "regterm-mcc/2"},
		16: bytes.Repeat([]byte{2}, 32), 17: int64(1764576120000), 18: "registry", 19: 10, 20: "2.0.0",
		21: "liveness-ok", 99: []any{1, 2, 3},
	})
}

func readGolden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package outbox

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/record"
)

func testKey(t testing.TB) *soft.Key {
	t.Helper()
	k, err := soft.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testRecord(i int) *record.Record {
	return &record.Record{
		Kind:          record.KindMatch,
		TerminalID:    "T-0001",
		NoticeVersion: "2026-01",
		OfficerID:     "OFF-0001",
		CitizenID:     fmt.Sprintf("1%012d", i),
		CardHash:      bytes.Repeat([]byte{byte(i)}, 32),
		TokenHash:     bytes.Repeat([]byte{byte(i >> 8)}, 32),
		Match:         &record.Match{Score: 61.5, Threshold: 40, Finger: 2, Quality: 70, Algorithm: "regterm-mcc/1"},
		TimeUnixMilli: 1764576000000 + int64(i),
		TimeSource:    record.TimeRTC,
		Firmware:      "test",
	}
}

func openT(t testing.TB, o *Opts) (*Outbox, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outbox.db")
	ob, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	return ob, path
}

func appendN(t testing.TB, ob *Outbox, s hwkey.Signer, n int) []ID {
	t.Helper()
	var ids []ID
	for i := 0; i < n; i++ {
		id, err := ob.AppendID(context.Background(), testRecord(i), s)
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// checkChain verifies every item's signature, its id and that consecutive
// items chain; prev is the hash the first item must point at (nil: do not
// check).
func checkChain(items []Item, s hwkey.Signer, prev *[32]byte) error {
	return checkChainSeen(items, s, prev, nil)
}

// checkChainSeen is checkChain that verifies the signature of records whose
// hash is not in seen only (and adds them).
func checkChainSeen(items []Item, s hwkey.Signer, prev *[32]byte, seen map[[32]byte]bool) error {
	for i, it := range items {
		h := record.Hash(it.Bytes)
		var r *record.Record
		var err error
		if seen != nil && seen[h] {
			_, r, err = record.Decode(it.Bytes)
		} else {
			r, err = record.Verify(it.Bytes, s.Public())
		}
		if err != nil {
			return fmt.Errorf("item %s: %v", it.ID, err)
		}
		if seen != nil {
			seen[h] = true
		}
		if r.ID.Epoch != it.ID.Epoch || r.ID.Seq != it.ID.Seq || r.Seq != it.ID.Seq {
			return fmt.Errorf("item %s: record says %v seq %d", it.ID, r.ID, r.Seq)
		}
		if i > 0 {
			p := items[i-1]
			if p.ID.Epoch == it.ID.Epoch && p.ID.Seq+1 != it.ID.Seq {
				return fmt.Errorf("item %s follows %s: gap", it.ID, p.ID)
			}
			if h := record.Hash(p.Bytes); p.ID.Epoch == it.ID.Epoch && !bytes.Equal(r.Prev, h[:]) {
				return fmt.Errorf("item %s: prev %x, want hash of %s %x", it.ID, r.Prev, p.ID, h)
			}
		} else if prev != nil && !bytes.Equal(r.Prev, prev[:]) {
			return fmt.Errorf("item %s: prev %x, want %x", it.ID, r.Prev, *prev)
		}
		if it.ID.Seq == 1 && !bytes.Equal(r.Prev, make([]byte, 32)) {
			return fmt.Errorf("item %s: first of epoch with prev %x", it.ID, r.Prev)
		}
	}
	return nil
}

package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestRandomDamage damages a queue file at random places, many times: Open
// must neither crash nor hang nor fail; it opens the file or quarantines
// it, and the queue takes records afterwards.
func TestRandomDamage(t *testing.T) {
	s := testKey(t)
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.db")
	ob, err := Open(clean, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, ob, s, 120)
	items, _ := ob.Pending(40)
	var ids []ID
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	ob.Ack(ids) // some free pages too
	ob.Close()
	orig, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	rng := newRand(t)
	runs := 60
	if os.Getenv("REGTERM_SOAK") == "1" {
		runs = 2000
	}
	quarantined := 0
	for i := 0; i < runs; i++ {
		b := append([]byte(nil), orig...)
		switch rng.Intn(3) {
		case 0: // scattered bit flips
			for n := 1 + rng.Intn(40); n > 0; n-- {
				b[rng.Intn(len(b))] ^= 1 << rng.Intn(8)
			}
		case 1: // a block of garbage
			off, n := rng.Intn(len(b)), 16+rng.Intn(4096)
			for j := off; j < off+n && j < len(b); j++ {
				b[j] = byte(rng.Intn(256))
			}
		case 2: // torn: the file cut short
			b = b[:rng.Intn(len(b))]
		}
		path := filepath.Join(dir, "q", "outbox.db")
		os.RemoveAll(filepath.Dir(path))
		os.MkdirAll(filepath.Dir(path), 0o700)
		os.WriteFile(path, b, 0o600)
		os.WriteFile(path+".epoch", epochState{Epoch: 1, LastSeq: 120}.marshal(), 0o600)
		ob, err := Open(path, &Opts{Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("run %d: open: %v", i, err)
		}
		st := ob.Stats()
		if st.Quarantine != "" {
			quarantined++
			if st.Epoch != 2 {
				t.Fatalf("run %d: quarantined but epoch %d", i, st.Epoch)
			}
		}
		if _, err := ob.Append(context.Background(), testRecord(i), s); err != nil {
			t.Fatalf("run %d: append after damage (%+v): %v", i, st, err)
		}
		ob.Pending(1000)
		ob.Close()
	}
	t.Logf("%d damaged files: %d quarantined, %d opened", runs, quarantined, runs-quarantined)
	if quarantined == 0 {
		t.Fatal("no damage was ever detected")
	}
}

// FuzzValidateFile: the structure check of a queue file never panics, and
// never passes a file bbolt then fails to walk.
func FuzzValidateFile(f *testing.F) {
	s := testKey(f)
	path := filepath.Join(f.TempDir(), "seed.db")
	ob, err := Open(path, nil)
	if err != nil {
		f.Fatal(err)
	}
	appendN(f, ob, s, 30)
	ob.Close()
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add(seed[:8192])
	f.Add([]byte{})
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, b []byte) {
		// A file per input: a handle given up after a panic keeps its lock.
		n++
		p := filepath.Join(dir, fmt.Sprintf("f%d.db", n))
		defer os.Remove(p)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := validateFile(p); err != nil && !errors.Is(err, errStructure) {
			t.Fatalf("error %v does not wrap errStructure", err)
		}
		// Whatever validateFile says, opening must not crash.
		if db, err := openChecked(p); err == nil {
			db.Close()
		}
	})
}

package outbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuarantineCorruptFile(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600)
		}},
		{"truncated", func(t *testing.T, path string) {
			os.Truncate(path, 5000)
		}},
		{"both meta pages", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			for _, off := range []int{16 + 40, 4096 + 16 + 40} { // inside the checksummed meta
				b[off] ^= 0xff
			}
			os.WriteFile(path, b, 0o600)
		}},
		{"data pages", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			for off := 4 * 4096; off < len(b); off += 4096 {
				for i := 0; i < 64; i++ {
					b[off+i] = 0xA5
				}
			}
			os.WriteFile(path, b, 0o600)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testKey(t)
			dir := t.TempDir()
			path := filepath.Join(dir, "outbox.db")
			ob, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			appendN(t, ob, s, 50)
			ob.Close()
			orig, _ := os.ReadFile(path)
			tc.corrupt(t, path)
			damaged, _ := os.ReadFile(path)

			ob, err = Open(path, nil)
			if err != nil {
				t.Fatalf("open of a corrupt file: got %v, want a fresh queue", err)
			}
			st := ob.Stats()
			if st.Quarantine == "" || !strings.Contains(st.QuarantineReason, ErrCorrupt.Error()) {
				t.Fatalf("no quarantine alarm: %+v", st)
			}
			moved, err := os.ReadFile(st.Quarantine)
			if err != nil || string(moved) != string(damaged) {
				t.Fatalf("moved file %s not kept intact (err %v)", st.Quarantine, err)
			}
			if string(orig) == string(damaged) {
				t.Fatal("test did not change the file")
			}
			if st.Epoch != 2 || st.Depth != 0 {
				t.Fatalf("after quarantine: got epoch %d depth %d, want epoch 2 and an empty queue", st.Epoch, st.Depth)
			}
			ids := appendN(t, ob, s, 3)
			if ids[0] != (ID{2, 1}) {
				t.Fatalf("first id after quarantine: got %v, want 2/1", ids[0])
			}
			items, _ := ob.Pending(10)
			var zero [32]byte
			if err := checkChain(items, s, &zero); err != nil {
				t.Fatal(err)
			}
			ob.Close()
			// No crash loop: the next start opens the new file and keeps
			// the alarm until a technician clears it.
			ob, err = Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ob.Close()
			st2 := ob.Stats()
			if st2.Quarantine != st.Quarantine || st2.Epoch != 2 || st2.Depth != 3 {
				t.Fatalf("second open: got %+v", st2)
			}
			if err := ob.ClearQuarantine(); err != nil {
				t.Fatal(err)
			}
			if ob.Stats().Quarantine != "" {
				t.Fatal("alarm not cleared")
			}
		})
	}
}

func TestQuarantineWithoutEpochFile(t *testing.T) {
	// An old queue file without its side file, then corrupt: the new epoch
	// comes from the clock so it cannot collide with the lost one.
	s := testKey(t)
	path := filepath.Join(t.TempDir(), "outbox.db")
	ob, _ := Open(path, nil)
	appendN(t, ob, s, 2)
	ob.Close()
	os.Remove(path + ".epoch")
	os.WriteFile(path, []byte("junk"), 0o600)
	ob, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	if st := ob.Stats(); st.Epoch < 1_700_000_000 || st.Quarantine == "" {
		t.Fatalf("got %+v, want an epoch from the clock", st)
	}
}

func TestOpenLockedIsNotQuarantined(t *testing.T) {
	ob, path := openT(t, nil)
	_ = ob
	_, err := Open(path, nil)
	if err == nil || errors.Is(err, ErrCorrupt) {
		t.Fatalf("second open of a locked file: got %v, want a lock error", err)
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	if len(matches) != 0 {
		t.Fatalf("locked file was moved aside: %v", matches)
	}
	if _, err := ob.Append(context.Background(), testRecord(1), testKey(t)); err != nil {
		t.Fatal(err)
	}
}

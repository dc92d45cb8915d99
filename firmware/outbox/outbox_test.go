package outbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/firmware/record"
)

func TestAppendChain(t *testing.T) {
	s := testKey(t)
	ob, _ := openT(t, nil)
	ids := appendN(t, ob, s, 10)
	for i, id := range ids {
		if want := (ID{1, uint64(i + 1)}); id != want {
			t.Fatalf("id %d: got %v, want %v", i, id, want)
		}
	}
	items, err := ob.Pending(100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(items), 10; got != want {
		t.Fatalf("pending: got %d, want %d", got, want)
	}
	var zero [32]byte
	if err := checkChain(items, s, &zero); err != nil {
		t.Fatal(err)
	}
	st := ob.Stats()
	if st.Depth != 10 || st.Epoch != 1 || st.LastSeq != 10 || st.Oldest.IsZero() || st.Full {
		t.Fatalf("stats: got %+v", st)
	}
}

type failSealer struct{}

func (failSealer) Seal(hwkey.Signer, uint64, uint64, [32]byte) ([]byte, error) {
	return nil, errors.New("key unplugged")
}

func TestAppendSealErrorChangesNothing(t *testing.T) {
	s := testKey(t)
	ob, _ := openT(t, nil)
	appendN(t, ob, s, 2)
	if _, err := ob.Append(context.Background(), failSealer{}, s); err == nil {
		t.Fatal("append with a failing sealer: got nil error")
	}
	id, err := ob.AppendID(context.Background(), testRecord(9), s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := id, (ID{1, 3}); got != want {
		t.Fatalf("after failed seal: got %v, want %v", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ob.Append(ctx, testRecord(1), s); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled append: got %v, want context.Canceled", err)
	}
	if got := ob.Stats().Depth; got != 3 {
		t.Fatalf("depth: got %d, want 3", got)
	}
}

func TestConcurrentAppend(t *testing.T) {
	s := testKey(t)
	ob, _ := openT(t, nil)
	const workers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := ob.Append(context.Background(), testRecord(w*100+i), s); err != nil {
					errs <- err
				}
				if i%5 == 0 {
					ob.Stats()
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	items, err := ob.Pending(1000)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(items), workers*each; got != want {
		t.Fatalf("pending: got %d, want %d", got, want)
	}
	var zero [32]byte
	if err := checkChain(items, s, &zero); err != nil {
		t.Fatal(err)
	}
}

func TestLimits(t *testing.T) {
	s := testKey(t)
	one, err := testRecord(0).Seal(s, 1, 1, [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Opts
		fit  int
	}{
		{"records", Opts{MaxRecords: 3}, 3},
		{"bytes", Opts{MaxBytes: int64(len(one))*4 + 10}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ob, _ := openT(t, &tc.opts)
			appendN(t, ob, s, tc.fit)
			if err := ob.Room(); !errors.Is(err, ErrFull) && tc.name == "records" {
				t.Fatalf("room at the limit: got %v, want ErrFull", err)
			}
			_, err := ob.Append(context.Background(), testRecord(99), s)
			if !errors.Is(err, ErrFull) {
				t.Fatalf("append over the limit: got %v, want ErrFull", err)
			}
			items, _ := ob.Pending(100)
			if got := len(items); got != tc.fit {
				t.Fatalf("queued: got %d, want %d (nothing dropped)", got, tc.fit)
			}
			if !ob.Stats().Full && tc.name == "records" {
				t.Fatal("stats: Full is false at the limit")
			}
			// Delivering one makes room again; the chain continues.
			if err := ob.Ack([]ID{items[0].ID}); err != nil {
				t.Fatal(err)
			}
			if err := ob.Room(); err != nil {
				t.Fatalf("room after ack: %v", err)
			}
			id, err := ob.AppendID(context.Background(), testRecord(5), s)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := id.Seq, uint64(tc.fit+1); got != want {
				t.Fatalf("seq after ack: got %d, want %d", got, want)
			}
		})
	}
}

func TestAckRejectDeadLetters(t *testing.T) {
	s := testKey(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ob, path := openT(t, &Opts{Now: clock})
	ids := appendN(t, ob, s, 5)
	now = now.Add(time.Minute)
	if err := ob.Ack([]ID{ids[0], ids[1], ids[1], {9, 9}}); err != nil {
		t.Fatal(err)
	}
	if err := ob.Reject(ids[2], "signature: unknown key"); err != nil {
		t.Fatal(err)
	}
	if err := ob.Reject(ids[2], "again"); !errors.Is(err, ErrNotQueued) {
		t.Fatalf("reject twice: got %v, want ErrNotQueued", err)
	}
	st := ob.Stats()
	if st.Depth != 2 || st.DeadLetters != 1 || !st.LastSync.Equal(now) || st.OldestAge != time.Minute {
		t.Fatalf("stats: got %+v", st)
	}
	dead, err := ob.DeadLetters(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != ids[2] || dead[0].Reason != "signature: unknown key" || !dead[0].Rejected.Equal(now) {
		t.Fatalf("dead letters: got %+v", dead)
	}
	if _, err := record.Verify(dead[0].Bytes, s.Public()); err != nil {
		t.Fatalf("dead letter bytes: %v", err)
	}
	items, _ := ob.Pending(10)
	if len(items) != 2 || items[0].ID != ids[3] || items[1].ID != ids[4] {
		t.Fatalf("pending: got %v", items)
	}
	// Everything survives a reopen.
	ob.Close()
	ob2, err := Open(path, &Opts{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer ob2.Close()
	if st2 := ob2.Stats(); st2.Depth != 2 || st2.DeadLetters != 1 || st2.LastSeq != 5 || st2.Quarantine != "" {
		t.Fatalf("stats after reopen: got %+v", st2)
	}
}

func TestCompaction(t *testing.T) {
	s := testKey(t)
	ob, path := openT(t, &Opts{CompactAt: 256 << 10})
	var last []Item
	for round := 0; round < 2; round++ {
		appendN(t, ob, s, 400)
		items, _ := ob.Pending(1000)
		last = items
		big := ob.Stats().FileBytes
		if big <= 256<<10 {
			t.Fatalf("file did not grow: %d", big)
		}
		if err := ob.Reject(items[0].ID, "test"); err != nil {
			t.Fatal(err)
		}
		var ids []ID
		for _, it := range items[1:] {
			ids = append(ids, it.ID)
		}
		if err := ob.Ack(ids); err != nil {
			t.Fatal(err)
		}
		st := ob.Stats()
		if st.Compactions != round+1 || st.FileBytes >= big/2 {
			t.Fatalf("round %d: compactions %d, file %d bytes (was %d)", round, st.Compactions, st.FileBytes, big)
		}
		if st.DeadLetters != round+1 || st.Depth != 0 || st.LastSeq != uint64(400*(round+1)) {
			t.Fatalf("round %d after compaction: %+v", round, st)
		}
	}
	// The chain continues from the head kept across compactions.
	id, err := ob.AppendID(context.Background(), testRecord(1), s)
	if err != nil {
		t.Fatal(err)
	}
	items, _ := ob.Pending(1)
	prev := record.Hash(last[len(last)-1].Bytes)
	if err := checkChain(items, s, &prev); err != nil || id != (ID{1, 801}) {
		t.Fatalf("after compaction: id %v, chain %v", id, err)
	}
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Fatalf("compaction left its temporary file: %v", err)
	}
}

func TestEpochFileLost(t *testing.T) {
	s := testKey(t)
	ob, path := openT(t, nil)
	appendN(t, ob, s, 3)
	ob.Close()
	// A missing side file is rewritten from the queue's head.
	os.Remove(path + ".epoch")
	ob, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := ob.Stats(); st.Epoch != 1 || st.LastSeq != 3 {
		t.Fatalf("got %+v", st)
	}
	ob.Close()
	st, ok, err := readEpochFile(path + ".epoch")
	if !ok || err != nil || st.Epoch != 1 || st.LastSeq != 3 {
		t.Fatalf("epoch file: %+v %v %v", st, ok, err)
	}
	// A deleted queue file with the side file kept starts a new epoch.
	os.Remove(path)
	ob, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	if st := ob.Stats(); st.Epoch != 2 || st.LastSeq != 0 {
		t.Fatalf("queue file deleted: got %+v, want epoch 2", st)
	}
}

func TestRestoredOldCopyStartsNewEpoch(t *testing.T) {
	s := testKey(t)
	ob, path := openT(t, nil)
	appendN(t, ob, s, 2)
	ob.Close()
	old, _ := os.ReadFile(path)
	ob, _ = Open(path, nil)
	appendN(t, ob, s, 3)
	ob.Close()
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	ob, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	if st := ob.Stats(); st.Epoch != 2 || st.LastSeq != 0 || st.Depth != 2 {
		t.Fatalf("restored copy: got %+v, want epoch 2 with the 2 old records queued", st)
	}
}

func TestEpochFileRoundTrip(t *testing.T) {
	for _, s := range []epochState{{1, 0}, {7, 12345}, {1<<63 + 5, 1<<64 - 1}} {
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			got, err := parseEpochFile(s.marshal())
			if err != nil || got != s {
				t.Fatalf("got %+v %v, want %+v", got, err, s)
			}
		})
	}
	bad := epochState{3, 4}.marshal()
	bad[12] ^= 1
	if _, err := parseEpochFile(bad); !errors.Is(err, ErrEpochFile) {
		t.Fatalf("flipped bit: got %v, want ErrEpochFile", err)
	}
}

func FuzzParseEpochFile(f *testing.F) {
	f.Add(epochState{1, 2}.marshal())
	f.Add([]byte("RGTEPOC1"))
	f.Add(make([]byte, epochFileLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseEpochFile(b)
		if err != nil {
			if !errors.Is(err, ErrEpochFile) {
				t.Fatalf("error %v does not wrap ErrEpochFile", err)
			}
			return
		}
		if s.Epoch == 0 || string(s.marshal()) != string(b) {
			t.Fatalf("accepted %x as %+v", b, s)
		}
	})
}

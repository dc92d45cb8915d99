package uplink_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

// TestQuarantineThenDeliver: the queue file is damaged between two runs;
// the terminal continues under a new epoch and the registry gets every new
// record, with the old epoch's undelivered tail visible as its own chain.
func TestQuarantineThenDeliver(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	path := filepath.Join(t.TempDir(), "outbox.db")
	sync := func(ob *outbox.Outbox) {
		s, _ := uplink.NewSyncer(ob, uplink.SyncConfig{Client: tm.client, Log: quiet})
		if err := s.Cycle(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ob, err := outbox.Open(path, &outbox.Opts{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		ob.Append(context.Background(), testRecord(i), tm.key)
	}
	sync(ob)
	for i := 0; i < 2; i++ { // queued, never delivered
		ob.Append(context.Background(), testRecord(i), tm.key)
	}
	ob.Close()
	if err := os.WriteFile(path, []byte("flash wear-out"), 0o600); err != nil {
		t.Fatal(err)
	}

	ob, err = outbox.Open(path, &outbox.Opts{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	if st := ob.Stats(); st.Quarantine == "" || st.Epoch != 2 {
		t.Fatalf("after the damage: %+v", st)
	}
	for i := 0; i < 4; i++ {
		ob.Append(context.Background(), testRecord(i), tm.key)
	}
	sync(ob)
	counts, err := srv.Count()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(counts)
	if want := fmt.Sprintf("[%[1]s/1 3 1 3 0 %[1]s/2 4 1 4 0]", terminalID); got != want {
		t.Fatalf("count: got %s, want %s", got, want)
	}
	hb, _ := srv.LastHeartbeat(terminalID)
	if hb == nil || len(hb.Alarms) != 1 {
		t.Fatalf("heartbeat alarms: %+v", hb)
	}
}

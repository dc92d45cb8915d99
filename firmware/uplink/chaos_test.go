package uplink_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

// TestChaos syncs through a fault-injecting TCP proxy to an ingest server
// that injects its own faults, while records keep being appended: every
// record must end up stored exactly once and leave the outbox exactly once.
func TestChaos(t *testing.T) {
	n := 300
	if os.Getenv("REGTERM_SOAK") == "1" {
		n = 5000
	}
	srv := registry(t, ingest.Faults{
		Error500: 0.08, Unavailable: 0.04, RetryAfter: 0, Reset: 0.06,
		DropAfterStore: 0.12, DuplicateAnswer: 0.12, Delay: time.Millisecond,
	})
	proxy, err := ingest.NewProxy("127.0.0.1:0", srv.URL()[len("https://"):], ingest.ProxyFaults{
		Drop: 0.05, Reset: 0.01, LoseAnswer: 0.05, LoseAnswerEvery: 11, Delay: 3 * time.Millisecond, DelayP: 0.2,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	tm := newTerminal(t, srv, "https://"+proxy.Addr(), 2*time.Second)
	s, err := uplink.NewSyncer(tm.ob, uplink.SyncConfig{
		Client: tm.client, Batch: 9, Interval: 20 * time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRate: -1, Log: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	for i := 0; i < n; i++ {
		if _, err := tm.ob.Append(ctx, testRecord(i), tm.key); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			s.Kick()
		}
	}
	waitDrained(t, tm.ob, 90*time.Second)
	cancel()
	<-done

	checkStored(t, srv, tm.key, n)
	ss, st, ps := srv.Stats(), s.Status(), proxy.Stats()
	if ss.Accepted != uint64(n) || ss.Rejected != 0 {
		t.Fatalf("registry: accepted %d (want %d, each once), rejected %d", ss.Accepted, n, ss.Rejected)
	}
	if os := tm.ob.Stats(); os.Depth != 0 || os.DeadLetters != 0 || os.Acked != uint64(n) {
		t.Fatalf("outbox: %+v, want every record acknowledged exactly once", os)
	}
	if st.Accepted+st.Duplicates < uint64(n) || st.Rejected != 0 {
		t.Fatalf("syncer: %+v", st)
	}
	t.Logf("registry: %d requests, %d faults, %d duplicates; proxy: %d conns, %d dropped, %d resets, %d answers lost; syncer: %d sent, %d accepted, %d duplicates",
		ss.Requests, ss.Faults, ss.Duplicates, ps.Conns, ps.Dropped, ps.Resets, ps.Lost, st.Sent, st.Accepted, st.Duplicates)
	if ss.Faults == 0 || ps.Lost == 0 || ss.Duplicates == 0 {
		t.Fatal("the faults did not happen: the test proved nothing")
	}
}

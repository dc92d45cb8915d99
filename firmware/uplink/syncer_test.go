package uplink_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

type fakeClock struct {
	mu   sync.Mutex
	seen []time.Time
}

func (c *fakeClock) ObserveRegistry(t time.Time, rtt time.Duration) {
	c.mu.Lock()
	c.seen = append(c.seen, t)
	c.mu.Unlock()
}
func (c *fakeClock) Offset() (time.Duration, bool) { return 1500 * time.Millisecond, true }

func TestSyncDeliversAndHeartbeats(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	tm.append(t, 250, tm.key)
	clock := &fakeClock{}
	s, err := uplink.NewSyncer(tm.ob, uplink.SyncConfig{
		Client: tm.client, Batch: 40, Clock: clock, Log: quiet,
		Heartbeat: func() uplink.Heartbeat {
			return uplink.Heartbeat{Terminal: terminalID, Versions: map[string]string{"firmware": "1.2.3"}, Health: map[string]string{"sensor": "ok"}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Cycle(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkStored(t, srv, tm.key, 250)
	st := tm.ob.Stats()
	if st.Depth != 0 || st.DeadLetters != 0 || st.LastSync.IsZero() {
		t.Fatalf("outbox after sync: %+v", st)
	}
	if ss := s.Status(); ss.Sent != 250 || ss.Accepted != 250 {
		t.Fatalf("status: %+v", ss)
	}
	hb, err := srv.LastHeartbeat(terminalID)
	if err != nil || hb == nil {
		t.Fatalf("heartbeat: %v %v", hb, err)
	}
	if hb.QueueDepth != 250 || hb.Versions["firmware"] != "1.2.3" || hb.ClockOffsetMillis != 1500 || hb.OldestAgeSeconds <= 0 {
		t.Fatalf("heartbeat: %+v", hb)
	}
	if n := len(clock.seen); n != 1+7 {
		t.Fatalf("registry times observed: got %d, want 8 (heartbeat + 7 batches)", n)
	}
}

func TestResendIsDuplicate(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	tm.append(t, 5, tm.key)
	items, _ := tm.ob.Pending(10)
	var recs [][]byte
	for _, it := range items {
		recs = append(recs, it.Bytes)
	}
	for round, want := range []uplink.Status{uplink.Accepted, uplink.Duplicate} {
		ans, err := tm.client.PostRecords(context.Background(), recs)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range ans.Results {
			if r.Status != want || !strings.HasSuffix(r.ID, "/1/"+string(rune('1'+i))) {
				t.Fatalf("round %d result %d: got %+v, want %s", round, i, r, want)
			}
		}
		if ans.Time.IsZero() || ans.RTT <= 0 {
			t.Fatalf("answer time %v rtt %v", ans.Time, ans.RTT)
		}
	}
	checkStored(t, srv, tm.key, 5)
}

func TestRejectedBecomesDeadLetter(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	other, _ := soft.Generate() // a key the registry never certified
	tm.append(t, 2, tm.key)
	tm.append(t, 1, other)
	tm.append(t, 1, tm.key)
	s, _ := uplink.NewSyncer(tm.ob, uplink.SyncConfig{Client: tm.client, Log: quiet})
	if err := s.Cycle(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := tm.ob.Stats()
	if st.Depth != 0 || st.DeadLetters != 1 || st.Rejected != 1 || st.Acked != 3 {
		t.Fatalf("stats: %+v", st)
	}
	dead, _ := tm.ob.DeadLetters(10)
	if len(dead) != 1 || dead[0].ID.Seq != 3 || !strings.Contains(dead[0].Reason, "unknown key") {
		t.Fatalf("dead letters: %+v", dead)
	}
	// Record 4 chains to the rejected record 3, which the registry lacks:
	// it is accepted, and the registry shows the gap.
	counts, _ := srv.Count()
	if len(counts) != 1 || counts[0].String() != terminalID+"/1 3 1 4 1" {
		t.Fatalf("count: %v", counts)
	}
}

func TestRetryAfterAndBackoff(t *testing.T) {
	srv := registry(t, ingest.Faults{Unavailable: 1, RetryAfter: 2})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	tm.append(t, 3, tm.key)
	s, _ := uplink.NewSyncer(tm.ob, uplink.SyncConfig{
		Client: tm.client, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, Log: quiet,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for s.Status().Failures == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no failure seen")
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := s.Status()
	if wait := st.NextAttempt.Sub(st.LastAttempt); wait < 2*time.Second {
		t.Fatalf("Retry-After 2 s not honoured: next attempt %v after the last", wait)
	}
	if st.Online || !strings.Contains(st.LastError, "503") {
		t.Fatalf("status: %+v", st)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: got %v, want context.Canceled", err)
	}
	if d := tm.ob.Stats().Depth; d != 3 {
		t.Fatalf("depth: got %d, want 3", d)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	// A registry that is not there: count connection attempts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			attempts.Add(1)
			c.Close()
		}
	}()
	defer ln.Close()
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, "https://"+ln.Addr().String(), time.Second)
	tm.append(t, 1, tm.key)
	var mu sync.Mutex
	var ceilings []time.Duration
	s, _ := uplink.NewSyncer(tm.ob, uplink.SyncConfig{
		Client: tm.client, MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, Log: quiet,
		Jitter: func(d time.Duration) time.Duration {
			mu.Lock()
			ceilings = append(ceilings, d)
			mu.Unlock()
			return d
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			s.Kick() // kicks must not shorten the backoff
			time.Sleep(time.Millisecond)
		}
	}()
	if err := s.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{10, 20, 40, 80, 80, 80}
	for i, w := range want {
		if i < len(ceilings) && ceilings[i] != w*time.Millisecond {
			t.Fatalf("backoff ceilings: got %v, want %v...", ceilings, want)
		}
	}
	// 600 ms of 10+20+40+80+80+... waits: about 9 cycles, not hundreds.
	if n := attempts.Load(); n < 4 || n > 14 {
		t.Fatalf("connection attempts in 600 ms: got %d, want 4..14", n)
	}
	if st := s.Status(); st.Online || st.Failures < 4 {
		t.Fatalf("status: %+v", st)
	}
}

func TestReplayRateBounded(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	tm.append(t, 60, tm.key)
	s, _ := uplink.NewSyncer(tm.ob, uplink.SyncConfig{Client: tm.client, Batch: 10, MaxRate: 200, Log: quiet})
	t0 := time.Now()
	if err := s.Cycle(context.Background()); err != nil {
		t.Fatal(err)
	}
	// 6 batches of 10 at 200 records/s: the last starts >= 250 ms in.
	if el := time.Since(t0); el < 250*time.Millisecond {
		t.Fatalf("60 records at 200/s took %v, want >= 250ms", el)
	}
	checkStored(t, srv, tm.key, 60)
}

func TestParseAnswerErrors(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	if _, err := tm.client.GetReference(context.Background(), "1234567890121"); !errors.Is(err, uplink.ErrNotFound) {
		t.Fatalf("missing reference: got %v, want ErrNotFound", err)
	}
	if _, err := tm.client.GetReference(context.Background(), "../../etc"); err == nil {
		t.Fatal("bad citizen id accepted")
	}
	if _, err := uplink.NewClient(uplink.Config{URL: "http://127.0.0.1:1"}); !errors.Is(err, uplink.ErrConfig) {
		t.Fatalf("plain http: got %v, want ErrConfig", err)
	}
}

func TestErrorsNeverNameTheCitizen(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	const id = "1234567890121"
	_, err404 := tm.client.GetReference(context.Background(), id)
	srv.Close() // now unreachable
	tm.client.CloseIdle()
	_, errDown := tm.client.GetReference(context.Background(), id)
	for _, err := range []error{err404, errDown} {
		if err == nil || strings.Contains(err.Error(), id) {
			t.Fatalf("error %q names the citizen", err)
		}
	}
}

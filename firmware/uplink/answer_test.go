package uplink_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/uplink"
)

// fakeRegistry answers records requests with answer(n) for a batch of n.
func fakeRegistry(t *testing.T, heartbeat int, answer func(n int) any) *uplink.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UTC()
		switch r.URL.Path {
		case uplink.PathHeartbeat:
			w.WriteHeader(heartbeat)
			json.NewEncoder(w).Encode(uplink.HeartbeatAnswer{Time: now})
		case uplink.PathRecords:
			body, _ := io.ReadAll(r.Body)
			recs, err := uplink.DecodeBatch(body)
			if err != nil {
				w.WriteHeader(400)
				return
			}
			json.NewEncoder(w).Encode(answer(len(recs)))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := uplink.NewClient(uplink.Config{URL: srv.URL, Transport: http.DefaultTransport})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func queue(t *testing.T, n int) *outbox.Outbox {
	t.Helper()
	ob, err := outbox.Open(filepath.Join(t.TempDir(), "q.db"), &outbox.Opts{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	k, _ := soft.Generate()
	for i := 0; i < n; i++ {
		if _, err := ob.Append(context.Background(), testRecord(i), k); err != nil {
			t.Fatal(err)
		}
	}
	return ob
}

func TestUntrustedAnswersSettleNothing(t *testing.T) {
	tests := []struct {
		name   string
		answer func(n int) any
	}{
		{"stale answer for other records", func(n int) any {
			a := uplink.RecordsAnswer{Time: time.Now()}
			for i := 0; i < n; i++ {
				a.Results = append(a.Results, uplink.Result{ID: terminalID + "/1/99", Status: uplink.Accepted})
			}
			return a
		}},
		{"too few results", func(n int) any {
			return uplink.RecordsAnswer{Time: time.Now(), Results: []uplink.Result{{Status: uplink.Accepted}}}
		}},
		{"unknown statuses", func(n int) any {
			a := uplink.RecordsAnswer{Time: time.Now()}
			for i := 0; i < n; i++ {
				a.Results = append(a.Results, uplink.Result{Status: "maybe"})
			}
			return a
		}},
		{"not JSON", func(n int) any { return json.RawMessage(`"nope"`) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ob := queue(t, 3)
			s, _ := uplink.NewSyncer(ob, uplink.SyncConfig{Client: fakeRegistry(t, 200, tc.answer), Log: quiet})
			if err := s.Cycle(context.Background()); err == nil {
				t.Fatal("cycle trusted the answer")
			}
			if st := ob.Stats(); st.Depth != 3 || st.DeadLetters != 0 || st.Acked != 0 {
				t.Fatalf("outbox changed: %+v", st)
			}
		})
	}
}

func TestRefusedHeartbeatStillDelivers(t *testing.T) {
	ob := queue(t, 4)
	c := fakeRegistry(t, http.StatusNotFound, func(n int) any {
		a := uplink.RecordsAnswer{Time: time.Now()}
		for i := 0; i < n; i++ {
			a.Results = append(a.Results, uplink.Result{Status: uplink.Accepted})
		}
		return a
	})
	s, _ := uplink.NewSyncer(ob, uplink.SyncConfig{Client: c, Log: quiet})
	if err := s.Cycle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := ob.Stats(); st.Depth != 0 || st.Acked != 4 {
		t.Fatalf("outbox: %+v", st)
	}
	// A 500 on the heartbeat is the registry being down: no records sent.
	ob2 := queue(t, 2)
	c2 := fakeRegistry(t, http.StatusInternalServerError, func(n int) any { return nil })
	s2, _ := uplink.NewSyncer(ob2, uplink.SyncConfig{Client: c2, Log: quiet})
	var se *uplink.StatusError
	if err := s2.Cycle(context.Background()); !errors.As(err, &se) || se.Code != 500 {
		t.Fatalf("got %v, want a 500 StatusError", err)
	}
}

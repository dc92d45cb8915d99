package uplink_test

import (
	"context"
	"testing"
	"time"

	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

// BenchmarkSync measures draining a queue to tools/ingest over loopback
// with mutual TLS (the registry verifies, chains and stores every record),
// without the replay rate bound. It reports records/s; at least 2,000
// records are synced so -benchtime 1x gives a number.
func BenchmarkSync(b *testing.B) {
	srv := registry(b, ingest.Faults{})
	tm := newTerminal(b, srv, srv.URL(), 30*time.Second)
	n := max(b.N, 2000)
	tm.append(b, n, tm.key)
	s, err := uplink.NewSyncer(tm.ob, uplink.SyncConfig{Client: tm.client, Batch: uplink.MaxBatch, MaxRate: -1, Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	if err := s.Cycle(context.Background()); err != nil {
		b.Fatal(err)
	}
	el := time.Since(t0)
	b.StopTimer()
	if d := tm.ob.Stats().Depth; d != 0 {
		b.Fatalf("depth %d after sync", d)
	}
	b.ReportMetric(float64(n)/el.Seconds(), "records/s")
}

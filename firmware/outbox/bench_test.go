package outbox

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkEnqueue measures Append (seal with the soft key, chain, store,
// fdatasync) against a plain bbolt baseline in the same run: one Update per
// record putting bytes of the same size. It reports records/s of both and
// their ratio (vs-bbolt, goal >= 0.8), and the ratio against a baseline
// that also seals each record before its Update (vs-bbolt-sealed: the cost
// of the outbox's own bookkeeping, signing set aside). At least 200 records
// of each are measured, interleaved in rounds, so -benchtime 1x still gives
// the ratios.
func BenchmarkEnqueue(b *testing.B) {
	s := testKey(b)
	dir := b.TempDir()
	ob, err := Open(filepath.Join(dir, "outbox.db"), &Opts{MaxRecords: 1 << 30, MaxBytes: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	defer ob.Close()
	base, err := bolt.Open(filepath.Join(dir, "baseline.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer base.Close()
	if err := base.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("q")); return err }); err != nil {
		b.Fatal(err)
	}
	sample, err := testRecord(0).Seal(s, 1, 1, [32]byte{})
	if err != nil {
		b.Fatal(err)
	}
	n := max(b.N, 200)
	const round = 20
	var tOutbox, tBolt, tSealed time.Duration
	ctx := context.Background()
	b.ResetTimer()
	for done := 0; done < n; done += round {
		t0 := time.Now()
		for i := done; i < done+round; i++ {
			if _, err := ob.Append(ctx, testRecord(i), s); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		for i := done; i < done+round; i++ {
			err := base.Update(func(tx *bolt.Tx) error {
				k := make([]byte, 16)
				binary.BigEndian.PutUint64(k[8:], uint64(i))
				return tx.Bucket([]byte("q")).Put(k, sample)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		t2 := time.Now()
		for i := done; i < done+round; i++ {
			b2, err := testRecord(i).Seal(s, 1, uint64(i+1), [32]byte{})
			if err != nil {
				b.Fatal(err)
			}
			err = base.Update(func(tx *bolt.Tx) error {
				k := make([]byte, 16)
				binary.BigEndian.PutUint64(k, 1)
				binary.BigEndian.PutUint64(k[8:], uint64(i))
				return tx.Bucket([]byte("q")).Put(k, b2)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		tOutbox += t1.Sub(t0)
		tBolt += t2.Sub(t1)
		tSealed += time.Since(t2)
	}
	b.StopTimer()
	m := float64(n / round * round)
	b.ReportMetric(m/tOutbox.Seconds(), "records/s")
	b.ReportMetric(m/tBolt.Seconds(), "bbolt-records/s")
	b.ReportMetric(tBolt.Seconds()/tOutbox.Seconds(), "vs-bbolt")
	b.ReportMetric(tSealed.Seconds()/tOutbox.Seconds(), "vs-bbolt-sealed")
}

package ingest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/record"
	"github.com/regterm/regterm/firmware/uplink"
)

var quiet = slog.New(slog.DiscardHandler)

func newServer(t testing.TB) *Server {
	t.Helper()
	s, err := Open(Opts{Dir: filepath.Join(t.TempDir(), "data"), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func key(t testing.TB) *soft.Key {
	k, err := soft.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func client(t testing.TB, s *Server, id string, k *soft.Key) *uplink.Client {
	t.Helper()
	cert, err := s.ClientCertificate(id, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := uplink.NewClient(uplink.Config{URL: s.URL(), Certificate: cert, RootCAs: s.CA().Pool(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func seal(t testing.TB, terminal string, k hwkey.Signer, epoch, seq uint64, prev [32]byte) []byte {
	t.Helper()
	r := &record.Record{Kind: record.KindMatch, TerminalID: terminal, OfficerID: "OFF-1", CitizenID: fmt.Sprintf("1%012d", seq),
		Match: &record.Match{Score: 50, Threshold: 40}, TimeUnixMilli: 1764576000000 + int64(seq), TimeSource: record.TimeRTC}
	b, err := r.Seal(k, epoch, seq, prev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chainOf seals n chained records of epoch.
func chainOf(t testing.TB, terminal string, k hwkey.Signer, epoch uint64, n int) [][]byte {
	var out [][]byte
	var prev [32]byte
	for i := 1; i <= n; i++ {
		b := seal(t, terminal, k, epoch, uint64(i), prev)
		prev = record.Hash(b)
		out = append(out, b)
	}
	return out
}

func TestVerdicts(t *testing.T) {
	s := newServer(t)
	k := key(t)
	c := client(t, s, "T-1", k)
	chain := chainOf(t, "T-1", k, 1, 4)
	tampered := bytes.Clone(chain[2])
	tampered[len(tampered)-5] ^= 1 // inside the signature
	stranger := key(t)
	tests := []struct {
		name string
		rec  []byte
		want uplink.Status
		why  string
	}{
		{"first", chain[0], uplink.Accepted, ""},
		{"again", chain[0], uplink.Duplicate, ""},
		{"bad signature", tampered, uplink.Rejected, "signature"},
		{"other terminal's id", seal(t, "T-2", k, 1, 3, record.Hash(chain[1])), uplink.Rejected, "terminal mismatch"},
		{"unknown key", seal(t, "T-1", stranger, 1, 3, record.Hash(chain[1])), uplink.Rejected, "unknown key"},
		{"malformed", []byte("not a record"), uplink.Rejected, "malformed"},
		{"second", chain[1], uplink.Accepted, ""},
		{"conflict", seal(t, "T-1", k, 1, 2, record.Hash(chain[0])), uplink.Rejected, "conflict"},
		{"broken chain", seal(t, "T-1", k, 1, 3, [32]byte{1}), uplink.Rejected, "broken chain"},
		{"fourth before third", chain[3], uplink.Accepted, ""},
		{"third closes the gap", chain[2], uplink.Accepted, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ans, err := c.PostRecords(context.Background(), [][]byte{tc.rec})
			if err != nil {
				t.Fatal(err)
			}
			r := ans.Results[0]
			if r.Status != tc.want || !strings.Contains(r.Reason, tc.why) {
				t.Fatalf("got %+v, want %s (%s)", r, tc.want, tc.why)
			}
		})
	}
	counts, _ := s.Count()
	if len(counts) != 1 || counts[0].String() != "T-1/1 4 1 4 0" {
		t.Fatalf("count: %v", counts)
	}
	st := s.Stats()
	if st.Accepted != 4 || st.Duplicates != 1 || st.Rejected != 6 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestCountGapsAndCLIFormat(t *testing.T) {
	s := newServer(t)
	k := key(t)
	c := client(t, s, "T-9", k)
	chain := chainOf(t, "T-9", k, 1, 6)
	// 1, 2, 5 of epoch 1 (3, 4 and 6 missing: gaps 2 below the last),
	// 1..3 of epoch 2.
	batch := [][]byte{chain[0], chain[1], chain[4]}
	batch = append(batch, chainOf(t, "T-9", k, 2, 3)...)
	if _, err := c.PostRecords(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	c2k := key(t)
	c2 := client(t, s, "A-2", c2k)
	if _, err := c2.PostRecords(context.Background(), chainOf(t, "A-2", c2k, 7, 1)); err != nil {
		t.Fatal(err)
	}
	dir := s.opts.Dir
	s.Close()
	counts, err := Count(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, c := range counts {
		fmt.Fprintln(&got, c)
	}
	want := "A-2/7 1 1 1 0\nT-9/1 3 1 5 2\nT-9/2 3 1 3 0\n"
	if got.String() != want {
		t.Fatalf("count:\n%s\nwant:\n%s", got.String(), want)
	}
}

func TestCountWhileServing(t *testing.T) {
	s := newServer(t)
	if _, err := Count(s.opts.Dir); !errors.Is(err, bolt.ErrTimeout) {
		t.Fatalf("count while the server holds the database: got %v", err)
	}
}

func TestMutualTLSAndAccess(t *testing.T) {
	s := newServer(t)
	k := key(t)
	c := client(t, s, "T-1", k)
	if _, err := c.PostRecords(context.Background(), chainOf(t, "T-1", k, 1, 2)); err != nil {
		t.Fatal(err)
	}
	// Without a client certificate the handshake fails.
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CA().Pool()}}}
	if resp, err := plain.Get(s.URL() + "/v1/terminals/T-1/records"); err == nil {
		resp.Body.Close()
		t.Fatalf("no client certificate: got %s", resp.Status)
	}
	// A terminal reads its own records, not another's.
	cert, _ := s.ClientCertificate("T-1", k)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CA().Pool(), Certificates: []tls.Certificate{cert}}}}
	resp, err := hc.Get(s.URL() + "/v1/terminals/T-1/records")
	if err != nil {
		t.Fatal(err)
	}
	var recs []uplink.StoredRecord
	json.NewDecoder(resp.Body).Decode(&recs)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(recs) != 2 || recs[1].ID != "T-1/1/2" {
		t.Fatalf("own records: %s %+v", resp.Status, recs)
	}
	resp, err = hc.Get(s.URL() + "/v1/terminals/T-2/records")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another terminal's records: got %s, want 403", resp.Status)
	}
	// A heartbeat naming another terminal is refused.
	if _, err := c.PostHeartbeat(context.Background(), &uplink.Heartbeat{Terminal: "T-2"}); err == nil {
		t.Fatal("heartbeat for another terminal accepted")
	}
	if _, err := c.PostHeartbeat(context.Background(), &uplink.Heartbeat{Terminal: "T-1", QueueDepth: 4}); err != nil {
		t.Fatal(err)
	}
	if hb, _ := s.LastHeartbeat("T-1"); hb == nil || hb.QueueDepth != 4 {
		t.Fatalf("heartbeat: %+v", hb)
	}
}

func TestProxyPassesThrough(t *testing.T) {
	s := newServer(t)
	p, err := NewProxy("127.0.0.1:0", strings.TrimPrefix(s.URL(), "https://"), ProxyFaults{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	k := key(t)
	cert, _ := s.ClientCertificate("T-1", k)
	c, _ := uplink.NewClient(uplink.Config{URL: "https://" + p.Addr(), Certificate: cert, RootCAs: s.CA().Pool()})
	ans, err := c.PostRecords(context.Background(), chainOf(t, "T-1", k, 1, 3))
	if err != nil || ans.Results[2].Status != uplink.Accepted {
		t.Fatalf("through the proxy: %+v %v", ans, err)
	}
	p.SetFaults(ProxyFaults{Drop: 1})
	c.CloseIdle()
	if _, err := c.PostRecords(context.Background(), chainOf(t, "T-1", k, 1, 1)); err == nil {
		t.Fatal("a proxy dropping every connection let a request through")
	}
}

// FuzzIngestOne: no bytes from outside are ever stored unless they are a
// record signed by the terminal's key.
func FuzzIngestOne(f *testing.F) {
	k, _ := soft.Generate()
	good := chainOf(f, "T-1", k, 1, 1)[0]
	f.Add(good[:len(good)-1])
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Add([]byte("garbage"))
	db, err := bolt.Open(filepath.Join(f.TempDir(), "f.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	initDB(db)
	db.Update(func(tx *bolt.Tx) error { return putKey(tx, "T-1", k.Public()) })
	f.Fuzz(func(t *testing.T, b []byte) {
		db.Update(func(tx *bolt.Tx) error {
			r, err := ingestOne(tx, "T-1", b, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != uplink.Rejected && !bytes.Equal(b, good) {
				t.Fatalf("accepted %x: %+v", b, r)
			}
			return fmt.Errorf("roll back")
		})
	})
}

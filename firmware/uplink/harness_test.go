package uplink_test

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/record"
	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

const terminalID = "T-0001"

var quiet = slog.New(slog.DiscardHandler)

// registry starts tools/ingest on loopback.
func registry(t testing.TB, f ingest.Faults) *ingest.Server {
	t.Helper()
	srv, err := ingest.Open(ingest.Opts{Dir: filepath.Join(t.TempDir(), "registry"), Faults: f, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

type terminal struct {
	key    *soft.Key
	ob     *outbox.Outbox
	client *uplink.Client
}

// newTerminal makes a terminal with a soft key certified by srv, an
// outbox and a client of url (the server or a proxy in front of it).
func newTerminal(t testing.TB, srv *ingest.Server, url string, timeout time.Duration) *terminal {
	t.Helper()
	key, err := soft.Generate()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := srv.ClientCertificate(terminalID, key)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), &outbox.Opts{MaxRecords: 1 << 20, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	c, err := uplink.NewClient(uplink.Config{URL: url, Certificate: cert, RootCAs: srv.CA().Pool(), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return &terminal{key: key, ob: ob, client: c}
}

func testRecord(i int) *record.Record {
	return &record.Record{
		Kind:          record.KindMatch,
		TerminalID:    terminalID,
		NoticeVersion: "2026-01",
		OfficerID:     "OFF-0001",
		CitizenID:     fmt.Sprintf("1%012d", i),
		CardHash:      bytes.Repeat([]byte{byte(i)}, 32),
		TokenHash:     bytes.Repeat([]byte{byte(i >> 8)}, 32),
		Match:         &record.Match{Score: 61.5, Threshold: 40, Finger: 2, Quality: 70, Algorithm: "test/1"},
		TimeUnixMilli: 1764576000000 + int64(i),
		TimeSource:    record.TimeRTC,
		Firmware:      "test",
	}
}

func (tm *terminal) append(t testing.TB, n int, s hwkey.Signer) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := tm.ob.Append(context.Background(), testRecord(i), s); err != nil {
			t.Fatal(err)
		}
	}
}

// waitDrained runs until the outbox is empty or the deadline passes.
func waitDrained(t testing.TB, ob *outbox.Outbox, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for ob.Stats().Depth > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained after %v: %+v", d, ob.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkStored checks the registry holds exactly records 1..n of epoch 1,
// once each, chained and verified.
func checkStored(t testing.TB, srv *ingest.Server, key hwkey.Signer, n int) {
	t.Helper()
	recs, err := srv.Records(terminalID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("registry stored %d records, want %d", len(recs), n)
	}
	var all [][]byte
	for i, r := range recs {
		if r.Epoch != 1 || r.Seq != uint64(i+1) {
			t.Fatalf("stored #%d is %s", i, r.ID)
		}
		all = append(all, r.COSE)
	}
	keys := func(id [32]byte) crypto.PublicKey {
		if id == key.KeyID() {
			return key.Public()
		}
		return nil
	}
	if an := record.CheckChain(all, keys); len(an) != 0 {
		t.Fatalf("stored chain: %v", an)
	}
	counts, err := srv.Count()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s/1 %d 1 %d 0", terminalID, n, n); len(counts) != 1 || counts[0].String() != want {
		t.Fatalf("count: got %v, want [%s]", counts, want)
	}
}

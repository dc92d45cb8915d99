//go:build !release

package board

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/record"
	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

func TestSimRegistryAcrossRestarts(t *testing.T) {
	state := t.TempDir()
	env := &Env{StateDir: state, Log: slog.New(slog.DiscardHandler)}
	key, err := soft.Open(filepath.Join(state, "key.pem"), &soft.Opts{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(filepath.Join(state, "outbox.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	var caPEM []byte
	for run := 1; run <= 2; run++ {
		regKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		d := &Devices{Signer: key, Sim: &Sim{World: &World{
			RegistryKey: regKey,
			Citizen:     &SimCard{Card: smartcard.IDCard{CitizenID: "1234567890121", Reference: []byte("signed reference bytes")}},
		}}}
		if err := openSimRegistry(context.Background(), nil, env, d); err != nil {
			t.Fatal(err)
		}
		ca, err := os.ReadFile(filepath.Join(state, "sim-registry", "ca.pem"))
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 {
			caPEM = ca
		} else if !bytes.Equal(ca, caPEM) {
			t.Fatal("the CA changed between runs")
		}
		up := d.Uplink
		if up == nil || up.RegistryKey == nil || up.Certificate.PrivateKey != key {
			t.Fatalf("uplink: %+v", up)
		}
		client, err := uplink.NewClient(uplink.Config{URL: up.URL, Certificate: up.Certificate, RootCAs: up.RootCAs})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := client.GetReference(context.Background(), "1234567890121")
		if err != nil || string(ref) != "signed reference bytes" {
			t.Fatalf("reference: %q %v", ref, err)
		}
		for i := 0; i < 3; i++ {
			r := &record.Record{Kind: record.KindMatch, TerminalID: SimTerminalID, OfficerID: "OFF-0001", CitizenID: "1234567890121",
				Match: &record.Match{Score: 50, Threshold: 40}, TimeUnixMilli: time.Now().UnixMilli(), TimeSource: record.TimeRTC}
			if _, err := ob.Append(context.Background(), r, key); err != nil {
				t.Fatal(err)
			}
		}
		s, _ := uplink.NewSyncer(ob, uplink.SyncConfig{Client: client, Log: env.Log})
		if err := s.Cycle(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		counts, err := ingest.Count(filepath.Join(state, "sim-registry"))
		if err != nil {
			t.Fatal(err)
		}
		want := SimTerminalID + "/1 3 1 3 0"
		if run == 2 {
			want = SimTerminalID + "/1 6 1 6 0"
		}
		if len(counts) != 1 || counts[0].String() != want {
			t.Fatalf("run %d: count %v, want %s", run, counts, want)
		}
	}
}

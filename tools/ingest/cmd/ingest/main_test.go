package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/record"
	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

func TestIssueAndCount(t *testing.T) {
	dir := t.TempDir()
	k, _ := soft.Generate()
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	pubPath := filepath.Join(dir, "pub.pem")
	os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	data := filepath.Join(dir, "data")
	certPath := filepath.Join(dir, "cert.pem")
	var out, errb bytes.Buffer
	if err := run([]string{"issue", "-data", data, "-terminal", "T-7", "-pubkey", pubPath, "-out", certPath}, &out, &errb); err != nil {
		t.Fatalf("issue: %v\n%s", err, errb.String())
	}
	// The issued certificate works against a server on the same data.
	srv, err := ingest.Open(ingest.Opts{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _ := os.ReadFile(certPath)
	var chain [][]byte
	for b := certPEM; ; {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			break
		}
		chain = append(chain, blk.Bytes)
	}
	c, err := uplink.NewClient(uplink.Config{URL: url, RootCAs: srv.CA().Pool(),
		Certificate: tlsCert(chain, k)})
	if err != nil {
		t.Fatal(err)
	}
	r := &record.Record{Kind: record.KindMatch, TerminalID: "T-7", OfficerID: "O", CitizenID: "1234567890121",
		Match: &record.Match{Score: 1}, TimeUnixMilli: 1, TimeSource: record.TimeRTC}
	b, err := r.Seal(k, 3, 1, [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := c.PostRecords(context.Background(), [][]byte{b})
	if err != nil || ans.Results[0].Status != uplink.Accepted {
		t.Fatalf("post: %+v %v", ans, err)
	}
	srv.Close()
	out.Reset()
	if err := run([]string{"count", "-data", data}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "T-7/3 1 1 1 0\n"; got != want {
		t.Fatalf("count: got %q, want %q", got, want)
	}
	for _, args := range [][]string{nil, {"count"}, {"frobnicate"}, {"issue", "-data", data}} {
		if err := run(args, &out, &errb); err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
}

func tlsCert(chain [][]byte, k *soft.Key) tls.Certificate {
	return tls.Certificate{Certificate: chain, PrivateKey: k}
}

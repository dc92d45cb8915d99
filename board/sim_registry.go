//go:build !release

package board

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/regterm/regterm/tools/ingest"
)

// SimTerminalID is the terminal id the simulated registry certifies (the
// certificate's common name; records must carry the same id). It is the
// configuration's default terminal_id.
var SimTerminalID = "TERM-0001"

// openSimRegistry starts tools/ingest in-process on loopback, its data, CA
// and server certificate under <state>/sim-registry (kept across runs, so
// `ingest count -data <state>/sim-registry` inspects them after a run),
// certifies the terminal key and serves the world's registry-signed
// references.
func openSimRegistry(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	if d.Signer == nil {
		return fmt.Errorf("no terminal key to certify")
	}
	dir := filepath.Join(env.StateDir, "sim-registry")
	srv, err := ingest.Open(ingest.Opts{Dir: dir, Log: env.Log.With(slog.String("part", "sim-registry"))})
	if err != nil {
		return err
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		srv.Close()
		return err
	}
	d.OnClose(srv.Close)
	id := env.TerminalID
	if id == "" {
		id = SimTerminalID
	}
	chain, err := srv.IssueTerminal(id, d.Signer.Public(), 365*24*time.Hour)
	if err != nil {
		return err
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return err
	}
	w := d.Sim.World
	for _, c := range []*SimCard{w.Citizen, w.Other} {
		if c == nil || len(c.Card.Reference) == 0 {
			continue
		}
		if err := srv.PutReference(c.Card.CitizenID, c.Card.Reference); err != nil {
			return err
		}
	}
	d.Uplink = &Uplink{
		URL:         url,
		Certificate: tls.Certificate{Certificate: chain, PrivateKey: d.Signer, Leaf: leaf},
		RootCAs:     srv.CA().Pool(),
		RegistryKey: w.RegistryKey.Public(),
	}
	env.Log.Info("simulated registry (tools/ingest) on loopback", "url", url, "data", dir, "terminal", id)
	return nil
}

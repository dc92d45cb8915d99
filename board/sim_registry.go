//go:build !release

package board

// PLACEHOLDER until the outbox issue lands: the owner starts tools/ingest
// in-process on loopback (data under <state>/sim-registry), issues the
// terminal a client certificate for d.Signer and sets d.Uplink.

import "context"

func openSimRegistry(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	return nil
}

// Package uplink is the terminal's link to the registry: an HTTPS client
// with mutual TLS (the client certificate from provisioning, its private
// key in the hardware key through drivers/hwkey.Signer), the Syncer that
// forwards the outbox to the registry, and a reference.Source that fetches
// registry-signed reference templates.
//
// The registry API (docs/uplink.md is the spec; tools/ingest is its
// executable reference):
//
//	POST /v1/records              CBOR array of COSE_Sign1 records -> per-record results
//	POST /v1/heartbeat            JSON Heartbeat -> registry time
//	GET  /v1/citizens/{id}/reference  registry-signed reference (COSE_Sign1)
//
// Every JSON answer carries the registry's time, which feeds the trusted
// clock (firmware/trustedtime).
//
// The Syncer delivers in sequence order, in batches; a record leaves the
// outbox only when the registry answered accepted or duplicate (Ack), or
// rejected (dead letter with the reason). Failures back off exponentially
// with full jitter up to a cap, honouring Retry-After; replay after an
// outage is bounded to SyncConfig.MaxRate records per second; nothing
// spins while the registry is unreachable.
package uplink

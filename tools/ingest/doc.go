// Package ingest is the reference registry endpoint: the executable spec of
// the registry API the terminals talk to (docs/uplink.md), for tests,
// pilots and the sim board.
//
// It serves HTTPS with mutual TLS: terminal certificates are issued by its
// own CA (ca.pem in the data directory), the certificate's common name is
// the terminal id. Every record of POST /v1/records is verified against the
// key of the terminal's certificate (all keys a terminal ever presented
// are kept), its id must name that terminal, and its place in the
// terminal's hash chain is checked against the neighbours already stored;
// records are deduplicated by id (same id and bytes: duplicate; same id,
// other bytes: rejected as a conflict) and stored in bbolt (ingest.db).
// It serves registry-signed references and takes heartbeats, and it can
// inject faults (delay, 500, connection reset, answer dropped after
// storing, duplicated answers) to test the terminal's uplink; Proxy injects
// faults at the TCP level between a terminal and the server.
//
// The command is tools/ingest/cmd/ingest: `ingest serve`, `ingest count`.
package ingest

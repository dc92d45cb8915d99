// Package outbox is the terminal's durable store-and-forward queue of signed
// binding records, on go.etcd.io/bbolt, and the syncer that forwards them to
// the registry. A record is chained, signed and stored in one write
// transaction; it leaves the queue only when the registry acknowledged it.
package outbox

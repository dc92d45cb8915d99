// Package outbox is the terminal's durable store-and-forward queue of signed
// binding records, on go.etcd.io/bbolt.
//
// Append chains, signs and stores a record in one bbolt write transaction:
// it reads the chain head (epoch, last sequence, hash of the last record's
// COSE bytes), lets the record seal itself with the next sequence number and
// the previous hash, stores the sealed bytes and moves the head. bbolt
// commits with fdatasync, so a record is durable when Append returns nil.
// The outbox stores records as opaque bytes and never parses them again.
//
// Records leave the queue only through Ack (the registry stored them) or
// Reject (the registry refused them for good: they move to a dead-letter
// bucket with the reason and stay there). Nothing is ever dropped to make
// room: when the configured count or size limit is reached, or the disk
// itself is full (ENOSPC, EFBIG), Append and Room return ErrFull.
//
// The chain epoch is also kept in a small side file next to the queue
// (<path>.epoch, written atomically and fsynced before the first record of
// an epoch). A queue file that cannot be opened or fails its consistency
// check is moved aside to <path>.corrupt-<time> for recovery, an alarm is
// raised (Stats.Quarantine, the log) and a new epoch starts, so record ids
// (terminal, epoch, sequence) never repeat.
//
// When the queue drains and the file has grown beyond Opts.CompactAt, the
// database is copied into a fresh file and atomically renamed over the old
// one, so the file does not grow forever on eMMC.
//
// The uplink that forwards the queue to the registry is package
// firmware/uplink.
package outbox

package outbox

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/regterm/regterm/drivers/hwkey"
)

// Errors.
var (
	// ErrFull means the queue reached its configured limit or the disk is
	// full; nothing was stored and nothing old was dropped.
	ErrFull = errors.New("outbox: full")
	// ErrClosed means the outbox was closed.
	ErrClosed = errors.New("outbox: closed")
)

// Sealer is an unsigned record that can chain and sign itself.
// *record.Record implements it.
type Sealer interface {
	Seal(s hwkey.Signer, epoch, seq uint64, prev [32]byte) ([]byte, error)
}

// Opts configures the outbox.
type Opts struct {
	MaxRecords int   // 0: DefaultOpts
	MaxBytes   int64 // 0: DefaultOpts
}

// DefaultOpts are the limits used when Opts fields are zero.
var DefaultOpts = Opts{MaxRecords: 100000, MaxBytes: 256 << 20}

// Item is one queued record.
type Item struct {
	Seq   uint64
	Bytes []byte
}

// Stats describe the queue for screens and logs.
type Stats struct {
	Depth       int
	Bytes       int64
	Oldest      time.Time
	LastSync    time.Time
	DeadLetters int
	Epoch       uint64
	LastSeq     uint64
}

var (
	bktQueue = []byte("queue")
	bktMeta  = []byte("meta")
	keyHead  = []byte("head") // epoch(8) seq(8) hash(32)
)

// Outbox is the queue.
type Outbox struct {
	db   *bolt.DB
	opts Opts
	mu   sync.Mutex
}

// Open opens (or creates) the queue file at path.
func Open(path string, o *Opts) (*Outbox, error) {
	opts := DefaultOpts
	if o != nil {
		if o.MaxRecords > 0 {
			opts.MaxRecords = o.MaxRecords
		}
		if o.MaxBytes > 0 {
			opts.MaxBytes = o.MaxBytes
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bktQueue, bktMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: init: %w", err)
	}
	return &Outbox{db: db, opts: opts}, nil
}

// Close closes the database.
func (o *Outbox) Close() error { return o.db.Close() }

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// Room returns ErrFull when no new record may be queued.
func (o *Outbox) Room() error {
	return o.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bktQueue).Stats().KeyN >= o.opts.MaxRecords {
			return ErrFull
		}
		return nil
	})
}

// Append chains, signs and stores r in one transaction. It is durable when it
// returns nil. It returns the record's sequence number.
func (o *Outbox) Append(ctx context.Context, r Sealer, s hwkey.Signer) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var seq uint64
	err := o.db.Update(func(tx *bolt.Tx) error {
		q, meta := tx.Bucket(bktQueue), tx.Bucket(bktMeta)
		if q.Stats().KeyN >= o.opts.MaxRecords {
			return ErrFull
		}
		var epoch uint64 = 1
		var prev [32]byte
		if h := meta.Get(keyHead); len(h) == 48 {
			epoch = binary.BigEndian.Uint64(h[:8])
			seq = binary.BigEndian.Uint64(h[8:16])
			copy(prev[:], h[16:])
		}
		seq++
		b, err := r.Seal(s, epoch, seq, prev)
		if err != nil {
			return err
		}
		if err := q.Put(seqKey(seq), b); err != nil {
			return err
		}
		h := make([]byte, 48)
		binary.BigEndian.PutUint64(h[:8], epoch)
		binary.BigEndian.PutUint64(h[8:16], seq)
		sum := hashOf(b)
		copy(h[16:], sum[:])
		return meta.Put(keyHead, h)
	})
	if err != nil {
		return 0, fmt.Errorf("outbox: append: %w", err)
	}
	return seq, nil
}

// Pending returns up to max records in sequence order.
func (o *Outbox) Pending(max int) ([]Item, error) {
	var items []Item
	err := o.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bktQueue).Cursor()
		for k, v := c.First(); k != nil && len(items) < max; k, v = c.Next() {
			items = append(items, Item{Seq: binary.BigEndian.Uint64(k), Bytes: append([]byte(nil), v...)})
		}
		return nil
	})
	return items, err
}

// Ack removes delivered records.
func (o *Outbox) Ack(seqs []uint64) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		q := tx.Bucket(bktQueue)
		for _, s := range seqs {
			if err := q.Delete(seqKey(s)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Stats returns the queue statistics.
func (o *Outbox) Stats() Stats {
	var st Stats
	o.db.View(func(tx *bolt.Tx) error {
		st.Depth = tx.Bucket(bktQueue).Stats().KeyN
		return nil
	})
	return st
}

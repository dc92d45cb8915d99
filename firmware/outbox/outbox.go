package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
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
	// ErrCorrupt means the queue file failed to open or failed its
	// consistency check. Open moves such a file aside and starts afresh;
	// the error appears in Stats.QuarantineReason and the log.
	ErrCorrupt = errors.New("outbox: corrupt queue file")
	// ErrNotQueued means a record id given to Reject is not in the queue.
	ErrNotQueued = errors.New("outbox: record not queued")
)

// Sealer is an unsigned record that can chain and sign itself.
// *record.Record implements it.
type Sealer interface {
	Seal(s hwkey.Signer, epoch, seq uint64, prev [32]byte) ([]byte, error)
}

// Opts configures the outbox. Zero fields take the DefaultOpts value.
type Opts struct {
	// MaxRecords and MaxBytes limit the queue (records waiting for the
	// registry; dead letters do not count); zero or negative: the default.
	MaxRecords int
	MaxBytes   int64
	// CompactAt is the file size above which a drained queue is compacted;
	// negative never compacts.
	CompactAt int64
	// Reserve is the free space the file system must keep: below it Room
	// reports ErrFull before a write fails (Linux); negative disables.
	Reserve int64
	// DiskFullHold is how long Room keeps reporting ErrFull after a write
	// failed for lack of space, unless records are acknowledged first.
	DiskFullHold time.Duration
	// Now is the clock of enqueue and acknowledgement times.
	Now func() time.Time
	// Log receives alarms (quarantine) and compaction notes.
	Log *slog.Logger
}

// DefaultOpts are the values used for zero Opts fields.
var DefaultOpts = Opts{
	MaxRecords:   100000,
	MaxBytes:     256 << 20,
	CompactAt:    4 << 20,
	Reserve:      1 << 20,
	DiskFullHold: 30 * time.Second,
	Now:          time.Now,
}

// ID is a record's position: chain epoch and sequence number.
type ID struct {
	Epoch uint64
	Seq   uint64
}

func (id ID) String() string { return fmt.Sprintf("%d/%d", id.Epoch, id.Seq) }

func (id ID) key() []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, id.Epoch)
	binary.BigEndian.PutUint64(k[8:], id.Seq)
	return k
}

func idOf(k []byte) ID {
	return ID{binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(k[8:])}
}

// Item is one queued record.
type Item struct {
	ID     ID
	Queued time.Time
	Bytes  []byte // the sealed COSE_Sign1 record
}

// Dead is a record the registry rejected for good.
type Dead struct {
	ID       ID
	Queued   time.Time
	Rejected time.Time
	Reason   string
	Bytes    []byte
}

// Stats describe the queue for screens and logs.
type Stats struct {
	Depth       int           // records waiting for the registry
	Bytes       int64         // their size
	Oldest      time.Time     // enqueue time of the oldest waiting record
	OldestAge   time.Duration // and its age
	LastSync    time.Time     // last acknowledgement from the registry
	DeadLetters int           // records the registry rejected
	Epoch       uint64        // current chain epoch
	LastSeq     uint64        // last sequence number used in Epoch
	FileBytes   int64         // size of the queue file
	Full        bool          // Room reports ErrFull
	// Quarantine is the path a corrupt queue file was moved to, and
	// QuarantineReason why; empty when there is no such alarm.
	Quarantine       string
	QuarantineReason string
	Compactions      int // compactions since Open
	// Acked and Rejected count the records Ack and Reject removed from
	// the queue since Open (each record at most once).
	Acked, Rejected uint64
}

var (
	bktQueue = []byte("queue") // ID -> queued(8) record
	bktDead  = []byte("dead")  // ID -> queued(8) rejected(8) reasonlen(2) reason record
	bktMeta  = []byte("meta")

	keyHead       = []byte("head")       // epoch(8) seq(8) hash(32)
	keyCounts     = []byte("counts")     // records(8) bytes(8) dead(8)
	keyLastSync   = []byte("lastsync")   // unix nanoseconds(8)
	keyQuarantine = []byte("quarantine") // path 0x00 reason
)

// Outbox is the queue. Its methods are safe for concurrent use.
type Outbox struct {
	path string
	opts Opts

	// mu guards db: held shared by every operation, exclusively while
	// compaction replaces the file.
	mu          sync.RWMutex
	db          *bolt.DB
	compactions int
	acked       atomic.Uint64
	rejected    atomic.Uint64

	fullMu    sync.Mutex
	fullUntil time.Time
}

type head struct {
	epoch, seq uint64
	prev       [32]byte
}

type counts struct {
	records, bytes, dead uint64
}

func getHead(meta *bolt.Bucket) (head, bool) {
	b := meta.Get(keyHead)
	if len(b) != 48 {
		return head{}, false
	}
	h := head{epoch: binary.BigEndian.Uint64(b), seq: binary.BigEndian.Uint64(b[8:])}
	copy(h.prev[:], b[16:])
	return h, true
}

func putHead(meta *bolt.Bucket, h head) error {
	b := make([]byte, 48)
	binary.BigEndian.PutUint64(b, h.epoch)
	binary.BigEndian.PutUint64(b[8:], h.seq)
	copy(b[16:], h.prev[:])
	return meta.Put(keyHead, b)
}

func getCounts(meta *bolt.Bucket) counts {
	b := meta.Get(keyCounts)
	if len(b) != 24 {
		return counts{}
	}
	return counts{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint64(b[16:])}
}

func putCounts(meta *bolt.Bucket, c counts) error {
	b := make([]byte, 24)
	binary.BigEndian.PutUint64(b, c.records)
	binary.BigEndian.PutUint64(b[8:], c.bytes)
	binary.BigEndian.PutUint64(b[16:], c.dead)
	return meta.Put(keyCounts, b)
}

func putTime(b []byte, t time.Time) { binary.BigEndian.PutUint64(b, uint64(t.UnixNano())) }
func getTime(b []byte) time.Time    { return time.Unix(0, int64(binary.BigEndian.Uint64(b))) }

// Open opens (or creates) the queue file at path. A file that cannot be
// opened or fails its consistency check is moved aside (see the package
// documentation) and a new, empty queue with a new chain epoch is opened:
// Open then succeeds and Stats reports the quarantine. Open fails when the
// file is locked by another process or cannot be created.
func Open(path string, o *Opts) (*Outbox, error) {
	opts := DefaultOpts
	if o != nil {
		if o.MaxRecords > 0 {
			opts.MaxRecords = o.MaxRecords
		}
		if o.MaxBytes > 0 {
			opts.MaxBytes = o.MaxBytes
		}
		if o.CompactAt != 0 {
			opts.CompactAt = o.CompactAt
		}
		if o.Reserve != 0 {
			opts.Reserve = o.Reserve
		}
		if o.DiskFullHold != 0 {
			opts.DiskFullHold = o.DiskFullHold
		}
		if o.Now != nil {
			opts.Now = o.Now
		}
		opts.Log = o.Log
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	// A leftover of an interrupted compaction: the rename did not happen,
	// so path is still the complete old file.
	os.Remove(path + ".compact")

	epochPath := path + ".epoch"
	side, sideOK, sideErr := readEpochFile(epochPath)
	if sideErr != nil {
		opts.Log.Error("outbox: epoch file unreadable; deriving the epoch from the queue file and the clock", "path", epochPath, "err", sideErr)
	}

	var quarantine, reason string
	db, err := openChecked(path)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("outbox: open %s: %w", path, err)
		}
		quarantine = path + ".corrupt-" + opts.Now().UTC().Format("20060102T150405.000000000Z")
		reason = err.Error()
		if rerr := os.Rename(path, quarantine); rerr != nil {
			return nil, fmt.Errorf("outbox: open %s: %w; moving it aside: %v", path, err, rerr)
		}
		if serr := syncDir(filepath.Dir(path)); serr != nil {
			return nil, fmt.Errorf("outbox: open %s: sync dir: %w", path, serr)
		}
		opts.Log.Error("outbox: ALARM: queue file corrupt, moved aside for recovery; starting a new chain epoch",
			"path", path, "moved_to", quarantine, "err", err)
		db, err = openChecked(path)
		if err != nil {
			return nil, fmt.Errorf("outbox: open %s after quarantine: %w", path, err)
		}
	}

	ob := &Outbox{path: path, opts: opts, db: db}
	if err := ob.initHead(side, sideOK, sideErr != nil || (quarantine != "" && !sideOK)); err != nil {
		db.Close()
		return nil, err
	}
	if quarantine != "" {
		err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bktMeta).Put(keyQuarantine, append(append([]byte(quarantine), 0), reason...))
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("outbox: open %s: record quarantine: %w", path, err)
		}
	}
	return ob, nil
}

// initHead makes sure the queue has a chain head whose epoch is at least
// the side file's, starting a new epoch when the queue has none (new or
// quarantined file) or looks older than the side file (restored copy).
// unknown says the side file cannot be trusted to hold the last epoch.
func (o *Outbox) initHead(side epochState, sideOK, unknown bool) error {
	var h head
	var have bool
	if err := o.db.View(func(tx *bolt.Tx) error {
		h, have = getHead(tx.Bucket(bktMeta))
		return nil
	}); err != nil {
		return fmt.Errorf("outbox: read head: %w", err)
	}
	stale := sideOK && (side.Epoch > h.epoch || (side.Epoch == h.epoch && side.LastSeq > h.seq))
	if have && !stale {
		if !sideOK || side.Epoch != h.epoch {
			return writeEpochFile(o.path+".epoch", epochState{Epoch: h.epoch, LastSeq: h.seq})
		}
		return nil
	}
	base := max(side.Epoch, h.epoch)
	if unknown {
		// The last epoch used may be lost with the side file: jump to the
		// clock, which is far above any epoch counted from 1.
		base = max(base, uint64(o.opts.Now().Unix()))
	}
	nh := head{epoch: base + 1}
	// The side file first: once it says epoch N, no later start reuses N.
	if err := writeEpochFile(o.path+".epoch", epochState{Epoch: nh.epoch}); err != nil {
		return err
	}
	if have {
		o.opts.Log.Warn("outbox: queue file older than its epoch file (restored copy?); starting a new epoch",
			"queue_epoch", h.epoch, "queue_seq", h.seq, "file_epoch", side.Epoch, "file_seq", side.LastSeq, "new_epoch", nh.epoch)
	}
	err := o.db.Update(func(tx *bolt.Tx) error { return putHead(tx.Bucket(bktMeta), nh) })
	if err != nil {
		return fmt.Errorf("outbox: new epoch: %w", mapErr(err))
	}
	return nil
}

// boltOptions: NoGrowSync makes the file grow by its page writes instead of
// ftruncate, so a full disk or file size limit surfaces as the write's own
// ENOSPC/EFBIG (bbolt flattens ftruncate errors into text). fdatasync after
// the writes still makes the new size durable (fdatasync(2): a size change
// is metadata needed to read the data back).
//
// NoFreelistSync would save a page write per commit, but then bbolt
// rebuilds the freelist at open by walking the pages in a goroutine of its
// own, where a damaged page panics beyond recovery: a corrupt file would
// crash every start instead of being quarantined.
var boltOptions = &bolt.Options{Timeout: 2 * time.Second, NoGrowSync: true}

// openChecked opens the bbolt file and checks every page, turning panics
// and memory faults on a damaged file into ErrCorrupt.
func openChecked(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				// A panic inside a write transaction may leave bbolt's
				// locks held, and Close would wait for them forever: close
				// in the background. The file is moved aside, so the
				// handle's lock does not stand in the way of the new one.
				go db.Close()
			}
			db, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if err := validateFile(path); err != nil {
		if errors.Is(err, errStructure) {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	db, err = bolt.Open(path, 0o600, boltOptions)
	if err != nil {
		if environmental(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	fail := func(err error) (*bolt.DB, error) {
		db.Close()
		if environmental(err) {
			return nil, mapErr(err)
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	// Read everything before writing anything.
	if err := db.View(walkTx); err != nil {
		return fail(err)
	}
	missing := false
	db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bktQueue, bktDead, bktMeta} {
			missing = missing || tx.Bucket(b) == nil
		}
		return nil
	})
	if missing {
		if err := db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bktQueue, bktDead, bktMeta} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fail(err)
		}
	}
	if err := db.View(checkTx); err != nil {
		return fail(err)
	}
	return db, nil
}

// walkTx reads every key and value of every bucket in this goroutine, so
// a damaged page panics (or faults) where openChecked recovers.
func walkTx(tx *bolt.Tx) error {
	var walk func(b *bolt.Bucket, depth int) error
	walk = func(b *bolt.Bucket, depth int) error {
		if depth > 4 {
			return errors.New("buckets nested too deep")
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				nb := b.Bucket(k)
				if nb == nil {
					return fmt.Errorf("bucket %q unreadable", k)
				}
				return walk(nb, depth+1)
			}
			return nil
		})
	}
	return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		switch string(name) {
		case string(bktQueue), string(bktDead), string(bktMeta):
		default:
			return fmt.Errorf("unknown bucket %q", name)
		}
		return walk(b, 0)
	})
}

// checkTx checks the outbox's own structure and then runs bbolt's page
// check (freelist, unreachable and doubly used pages). That check runs in a
// goroutine of its own, where a fault on a wild pointer would kill the
// process: validateFile has checked every pointer before.
func checkTx(tx *bolt.Tx) error {
	var n, bytes, dead uint64
	if err := tx.Bucket(bktQueue).ForEach(func(k, v []byte) error {
		if len(k) != 16 || len(v) < 8 {
			return fmt.Errorf("queue entry %x: bad size", k)
		}
		n++
		bytes += uint64(len(v) - 8)
		return nil
	}); err != nil {
		return err
	}
	if err := tx.Bucket(bktDead).ForEach(func(k, v []byte) error {
		if len(k) != 16 || len(v) < 18 || len(v) < 18+int(binary.BigEndian.Uint16(v[16:])) {
			return fmt.Errorf("dead letter %x: bad size", k)
		}
		dead++
		return nil
	}); err != nil {
		return err
	}
	meta := tx.Bucket(bktMeta)
	if b := meta.Get(keyHead); b != nil && len(b) != 48 {
		return fmt.Errorf("chain head: %d bytes", len(b))
	}
	if c := getCounts(meta); c != (counts{n, bytes, dead}) {
		return fmt.Errorf("counters %+v do not match the contents %+v", c, counts{n, bytes, dead})
	}
	// Drain the channel: the check goroutine must be done with the mapping
	// before the transaction ends and a failed open unmaps the file.
	var first error
	for err := range tx.Check() {
		if first == nil {
			first = err
		}
	}
	return first
}

// environmental reports errors about the surroundings (locks, permissions,
// space), not the file's content: such a file is not quarantined.
func environmental(err error) bool {
	return errors.Is(err, bolt.ErrTimeout) || errors.Is(err, os.ErrPermission) ||
		errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOSPC) ||
		errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EROFS) ||
		errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EIO)
}

// mapErr turns out-of-space errors into ErrFull (keeping the cause).
func mapErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrFull, err)
	}
	return err
}

// Close records the chain position in the epoch file and closes the
// database.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.db == nil {
		return ErrClosed
	}
	var h head
	o.db.View(func(tx *bolt.Tx) error {
		h, _ = getHead(tx.Bucket(bktMeta))
		return nil
	})
	if h.epoch != 0 {
		// Only the epoch matters for unique ids, and it was written when
		// the epoch began; the last sequence is a note for recovery.
		if err := writeEpochFile(o.path+".epoch", epochState{Epoch: h.epoch, LastSeq: h.seq}); err != nil {
			o.opts.Log.Warn("outbox: close: could not note the last sequence", "err", err)
		}
	}
	err := o.db.Close()
	o.db = nil
	if err != nil {
		return fmt.Errorf("outbox: close: %w", err)
	}
	return nil
}

// errLimit is returned inside transactions when a configured limit is hit.
var errLimit = errors.New("configured limit reached")

// Room returns ErrFull when no new record may be queued: a configured
// limit is reached, a write failed for lack of space within the last
// Opts.DiskFullHold, or the file system has less than Opts.Reserve free.
func (o *Outbox) Room() error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return ErrClosed
	}
	var c counts
	o.db.View(func(tx *bolt.Tx) error {
		c = getCounts(tx.Bucket(bktMeta))
		return nil
	})
	if c.records >= uint64(o.opts.MaxRecords) {
		return fmt.Errorf("%w: %d records queued (limit %d)", ErrFull, c.records, o.opts.MaxRecords)
	}
	if c.bytes >= uint64(o.opts.MaxBytes) {
		return fmt.Errorf("%w: %d bytes queued (limit %d)", ErrFull, c.bytes, o.opts.MaxBytes)
	}
	o.fullMu.Lock()
	until := o.fullUntil
	o.fullMu.Unlock()
	if o.opts.Now().Before(until) {
		return fmt.Errorf("%w: disk full (last write failed; retry after %s)", ErrFull, until.Format(time.RFC3339))
	}
	if o.opts.Reserve > 0 {
		if free, err := freeBytes(filepath.Dir(o.path)); err == nil && free < o.opts.Reserve {
			return fmt.Errorf("%w: %d bytes free on the file system (reserve %d)", ErrFull, free, o.opts.Reserve)
		}
	}
	return nil
}

// Append chains, signs and stores r in one write transaction and returns
// its sequence number (in the epoch of Stats().Epoch). It is durable when it
// returns nil. It returns an error wrapping ErrFull when the queue is at a
// configured limit or the disk is full; nothing is stored then and the
// sequence number is not used.
func (o *Outbox) Append(ctx context.Context, r Sealer, s hwkey.Signer) (uint64, error) {
	id, err := o.AppendID(ctx, r, s)
	return id.Seq, err
}

// AppendID is Append returning the record's full position.
func (o *Outbox) AppendID(ctx context.Context, r Sealer, s hwkey.Signer) (ID, error) {
	if err := ctx.Err(); err != nil {
		return ID{}, fmt.Errorf("outbox: append: %w", err)
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return ID{}, ErrClosed
	}
	var id ID
	err := o.db.Update(func(tx *bolt.Tx) error {
		q, meta := tx.Bucket(bktQueue), tx.Bucket(bktMeta)
		c := getCounts(meta)
		if c.records >= uint64(o.opts.MaxRecords) {
			return fmt.Errorf("%w: %d records (limit %d)", errLimit, c.records, o.opts.MaxRecords)
		}
		h, ok := getHead(meta)
		if !ok {
			return fmt.Errorf("%w: no chain head", ErrCorrupt)
		}
		id = ID{h.epoch, h.seq + 1}
		b, err := r.Seal(s, id.Epoch, id.Seq, h.prev)
		if err != nil {
			return fmt.Errorf("seal: %w", err)
		}
		if c.bytes+uint64(len(b)) > uint64(o.opts.MaxBytes) {
			return fmt.Errorf("%w: %d bytes (limit %d)", errLimit, c.bytes+uint64(len(b)), o.opts.MaxBytes)
		}
		v := make([]byte, 8+len(b))
		putTime(v, o.opts.Now())
		copy(v[8:], b)
		if err := q.Put(id.key(), v); err != nil {
			return err
		}
		c.records++
		c.bytes += uint64(len(b))
		if err := putCounts(meta, c); err != nil {
			return err
		}
		return putHead(meta, head{epoch: id.Epoch, seq: id.Seq, prev: sha256.Sum256(b)})
	})
	if err != nil {
		if errors.Is(err, errLimit) {
			return ID{}, fmt.Errorf("outbox: append: %w: %w", ErrFull, err)
		}
		err = mapErr(err)
		if errors.Is(err, ErrFull) {
			o.fullMu.Lock()
			o.fullUntil = o.opts.Now().Add(o.opts.DiskFullHold)
			o.fullMu.Unlock()
		}
		return ID{}, fmt.Errorf("outbox: append: %w", err)
	}
	return id, nil
}

// Pending returns up to max queued records in delivery (sequence) order.
func (o *Outbox) Pending(max int) ([]Item, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return nil, ErrClosed
	}
	var items []Item
	err := o.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bktQueue).Cursor()
		for k, v := c.First(); k != nil && len(items) < max; k, v = c.Next() {
			items = append(items, Item{ID: idOf(k), Queued: getTime(v), Bytes: append([]byte(nil), v[8:]...)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: pending: %w", err)
	}
	return items, nil
}

// Ack removes delivered records (ids not queued are ignored: an answer may
// arrive twice) and records the time of the last successful sync. When the
// queue drains and the file grew beyond Opts.CompactAt, it is compacted.
func (o *Outbox) Ack(ids []ID) error {
	o.mu.RLock()
	if o.db == nil {
		o.mu.RUnlock()
		return ErrClosed
	}
	var drained bool
	var size int64
	var removed uint64
	err := o.db.Update(func(tx *bolt.Tx) error {
		removed = 0
		q, meta := tx.Bucket(bktQueue), tx.Bucket(bktMeta)
		c := getCounts(meta)
		for _, id := range ids {
			k := id.key()
			v := q.Get(k)
			if v == nil {
				continue
			}
			c.records--
			c.bytes -= uint64(len(v) - 8)
			removed++
			if err := q.Delete(k); err != nil {
				return err
			}
		}
		if err := putCounts(meta, c); err != nil {
			return err
		}
		t := make([]byte, 8)
		putTime(t, o.opts.Now())
		drained, size = c.records == 0, tx.Size()
		return meta.Put(keyLastSync, t)
	})
	o.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("outbox: ack: %w", mapErr(err))
	}
	o.acked.Add(removed)
	o.fullMu.Lock()
	o.fullUntil = time.Time{}
	o.fullMu.Unlock()
	if drained && o.opts.CompactAt > 0 && size > o.opts.CompactAt {
		if err := o.Compact(); err != nil {
			// The queue is intact; compaction is retried on the next drain.
			o.opts.Log.Warn("outbox: compaction failed", "err", err)
		}
	}
	return nil
}

// Reject moves a queued record the registry refused for good to the
// dead-letter bucket with the reason.
func (o *Outbox) Reject(id ID, reason string) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return ErrClosed
	}
	if len(reason) > 1024 {
		reason = reason[:1024]
	}
	err := o.db.Update(func(tx *bolt.Tx) error {
		q, dead, meta := tx.Bucket(bktQueue), tx.Bucket(bktDead), tx.Bucket(bktMeta)
		k := id.key()
		v := q.Get(k)
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNotQueued, id)
		}
		d := make([]byte, 18+len(reason)+len(v)-8)
		copy(d, v[:8])
		putTime(d[8:], o.opts.Now())
		binary.BigEndian.PutUint16(d[16:], uint16(len(reason)))
		copy(d[18:], reason)
		copy(d[18+len(reason):], v[8:])
		c := getCounts(meta)
		c.records--
		c.bytes -= uint64(len(v) - 8)
		c.dead++
		if err := dead.Put(k, d); err != nil {
			return err
		}
		if err := q.Delete(k); err != nil {
			return err
		}
		return putCounts(meta, c)
	})
	if err != nil {
		return fmt.Errorf("outbox: reject %s: %w", id, mapErr(err))
	}
	o.rejected.Add(1)
	return nil
}

// DeadLetters returns up to max dead letters in sequence order.
func (o *Outbox) DeadLetters(max int) ([]Dead, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return nil, ErrClosed
	}
	var out []Dead
	err := o.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bktDead).Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			n := int(binary.BigEndian.Uint16(v[16:]))
			out = append(out, Dead{
				ID: idOf(k), Queued: getTime(v), Rejected: getTime(v[8:]),
				Reason: string(v[18 : 18+n]), Bytes: append([]byte(nil), v[18+n:]...),
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: dead letters: %w", err)
	}
	return out, nil
}

// ClearQuarantine acknowledges the quarantine alarm (a technician saved the
// moved file).
func (o *Outbox) ClearQuarantine() error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.db == nil {
		return ErrClosed
	}
	return o.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktMeta).Delete(keyQuarantine) })
}

// Stats returns the queue statistics.
func (o *Outbox) Stats() Stats {
	o.mu.RLock()
	var st Stats
	if o.db == nil {
		o.mu.RUnlock()
		return st
	}
	now := o.opts.Now()
	o.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bktMeta)
		c := getCounts(meta)
		st.Depth, st.Bytes, st.DeadLetters = int(c.records), int64(c.bytes), int(c.dead)
		h, _ := getHead(meta)
		st.Epoch, st.LastSeq = h.epoch, h.seq
		if b := meta.Get(keyLastSync); len(b) == 8 {
			st.LastSync = getTime(b)
		}
		if b := meta.Get(keyQuarantine); b != nil {
			for i, ch := range b {
				if ch == 0 {
					st.Quarantine, st.QuarantineReason = string(b[:i]), string(b[i+1:])
					break
				}
			}
		}
		if _, v := tx.Bucket(bktQueue).Cursor().First(); v != nil {
			st.Oldest = getTime(v)
			st.OldestAge = now.Sub(st.Oldest)
		}
		st.FileBytes = tx.Size()
		return nil
	})
	st.Compactions = o.compactions
	st.Acked, st.Rejected = o.acked.Load(), o.rejected.Load()
	o.mu.RUnlock()
	st.Full = o.Room() != nil
	return st
}

// Compact copies the database into a fresh file and renames it over the
// queue file. A crash at any point leaves either the old or the new
// complete file.
func (o *Outbox) Compact() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.db == nil {
		return ErrClosed
	}
	tmp := o.path + ".compact"
	os.Remove(tmp)
	before := fileSize(o.path)
	dst, err := bolt.Open(tmp, 0o600, boltOptions)
	if err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	if err := bolt.Compact(dst, o.db, 4<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", mapErr(err))
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("outbox: compact: %w", err)
	}
	if err := o.db.Close(); err != nil {
		return fmt.Errorf("outbox: compact: close: %w", err)
	}
	o.db = nil
	renameErr := os.Rename(tmp, o.path)
	if renameErr == nil {
		renameErr = syncDir(filepath.Dir(o.path))
	}
	db, err := bolt.Open(o.path, 0o600, boltOptions)
	if err != nil {
		return fmt.Errorf("outbox: compact: reopen: %w", err)
	}
	o.db = db
	if renameErr != nil {
		os.Remove(tmp)
		return fmt.Errorf("outbox: compact: rename: %w", renameErr)
	}
	o.compactions++
	o.opts.Log.Info("outbox: compacted", "before", before, "after", fileSize(o.path))
	return nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}

package trustedtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/regterm/regterm/firmware/record"
)

// ErrFloorFile means the floor file is not one this package wrote.
var ErrFloorFile = errors.New("trustedtime: bad floor file")

// Opts configures a Clock. Zero fields take the DefaultOpts value.
type Opts struct {
	// Now reads the system real-time clock (with a monotonic reading, as
	// time.Now gives).
	Now func() time.Time
	// MinValid: RTC times before it are a reset clock, never used.
	MinValid time.Time
	// PersistEvery is how far the in-memory floor may run ahead of the
	// file before Now writes it.
	PersistEvery time.Duration
	// RegistryValid is how long after the last registry answer its time
	// (carried forward on the monotonic clock) is preferred to the RTC.
	RegistryValid time.Duration
	Log           *slog.Logger
}

// DefaultOpts are the values used for zero Opts fields.
var DefaultOpts = Opts{
	Now:           time.Now,
	MinValid:      time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	PersistEvery:  time.Minute,
	RegistryValid: 24 * time.Hour,
}

// Clock is the trusted clock. Its methods are safe for concurrent use.
type Clock struct {
	path string
	opts Opts

	mu        sync.Mutex
	start     time.Time // opts.Now() at Open (monotonic base of the floor)
	bootFloor time.Time // the floor read at Open
	last      time.Time // latest time returned
	persisted time.Time // floor in the file
	regTime   time.Time // registry time observed...
	regAt     time.Time // ...at this local reading
	offset    time.Duration
	haveReg   bool
	floorErr  error
}

// Open reads the floor at path (absent: no floor yet). A damaged floor
// file is reported by Status and the log, not as an error: the terminal
// keeps working with the RTC.
func Open(path string, o *Opts) (*Clock, error) {
	opts := DefaultOpts
	if o != nil {
		if o.Now != nil {
			opts.Now = o.Now
		}
		if !o.MinValid.IsZero() {
			opts.MinValid = o.MinValid
		}
		if o.PersistEvery != 0 {
			opts.PersistEvery = o.PersistEvery
		}
		if o.RegistryValid != 0 {
			opts.RegistryValid = o.RegistryValid
		}
		opts.Log = o.Log
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	c := &Clock{path: path, opts: opts, start: opts.Now()}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("trustedtime: open %s: %w", path, err)
	default:
		f, perr := parseFloor(b)
		if perr != nil {
			c.floorErr = perr
			opts.Log.Error("trustedtime: floor file damaged; the RTC alone sets the time", "path", path, "err", perr)
		} else {
			c.bootFloor, c.persisted, c.last = f, f, f
		}
	}
	return c, nil
}

// Now returns the current trusted time and where it came from. It never
// returns a time before an earlier one, nor before the persisted floor.
func (c *Clock) Now() (time.Time, record.TimeSource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	var t time.Time
	var src record.TimeSource
	switch {
	case c.haveReg && now.Sub(c.regAt) < c.opts.RegistryValid:
		t, src = c.regTime.Add(now.Sub(c.regAt)), record.TimeRegistry
	case !now.Before(c.opts.MinValid) && !now.Before(c.bootFloor):
		t, src = now, record.TimeRTC
	default:
		t, src = c.bootFloor.Add(now.Sub(c.start)), record.TimeFloor
		if c.bootFloor.IsZero() {
			// No floor and a reset RTC: the build's lower bound.
			t = c.opts.MinValid.Add(now.Sub(c.start))
		}
	}
	t = t.Round(0).UTC()
	if t.Before(c.last) {
		t = c.last
		if src == record.TimeRTC {
			src = record.TimeFloor
		}
	}
	c.last = t
	if t.Sub(c.persisted) >= c.opts.PersistEvery {
		if err := c.persistLocked(t); err != nil {
			c.opts.Log.Warn("trustedtime: floor not saved", "err", err)
		}
	}
	return t, src
}

// ObserveRegistry takes the registry's time t from an answer that took rtt
// to arrive: the registry's clock read t about rtt/2 before now.
func (c *Clock) ObserveRegistry(t time.Time, rtt time.Duration) {
	if t.IsZero() || rtt < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	c.regTime = t.Add(rtt / 2)
	c.regAt = now
	c.offset = c.regTime.Sub(now.Round(0))
	c.haveReg = true
}

// Offset is the registry's clock minus the RTC at the last registry
// answer; ok is false before any answer.
func (c *Clock) Offset() (offset time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset, c.haveReg
}

// Floor is the floor in the file.
func (c *Clock) Floor() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.persisted
}

// FloorError is the damage found in the floor file at Open, or nil.
func (c *Clock) FloorError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.floorErr
}

// Sync writes the latest time handed out as the floor (at shutdown).
func (c *Clock) Sync() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.last.After(c.persisted) {
		return nil
	}
	return c.persistLocked(c.last)
}

func (c *Clock) persistLocked(t time.Time) error {
	if err := writeFileSync(c.path, marshalFloor(t)); err != nil {
		return fmt.Errorf("trustedtime: save floor: %w", err)
	}
	c.persisted = t
	return nil
}

// The floor file: magic(8) unix nanoseconds(8) crc32c(4), big endian.
var floorMagic = [8]byte{'R', 'G', 'T', 'F', 'L', 'O', 'R', '1'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func marshalFloor(t time.Time) []byte {
	b := make([]byte, 20)
	copy(b, floorMagic[:])
	binary.BigEndian.PutUint64(b[8:], uint64(t.UnixNano()))
	binary.BigEndian.PutUint32(b[16:], crc32.Checksum(b[:16], castagnoli))
	return b
}

func parseFloor(b []byte) (time.Time, error) {
	if len(b) != 20 {
		return time.Time{}, fmt.Errorf("%w: %d bytes, want 20", ErrFloorFile, len(b))
	}
	if [8]byte(b[:8]) != floorMagic {
		return time.Time{}, fmt.Errorf("%w: bad magic", ErrFloorFile)
	}
	if got, want := binary.BigEndian.Uint32(b[16:]), crc32.Checksum(b[:16], castagnoli); got != want {
		return time.Time{}, fmt.Errorf("%w: checksum %08x, want %08x", ErrFloorFile, got, want)
	}
	ns := int64(binary.BigEndian.Uint64(b[8:]))
	if ns <= 0 {
		return time.Time{}, fmt.Errorf("%w: time %d", ErrFloorFile, ns)
	}
	return time.Unix(0, ns).UTC(), nil
}

func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

package thaiid

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/pcsc"
)

// Session is an open connection to a card.
type Session interface {
	Transmit(ctx context.Context, cmd []byte) ([]byte, error)
	ATR() []byte
	// Removed reports whether the card left the reader, waiting up to wait
	// for the transport to notice.
	Removed(ctx context.Context, wait time.Duration) bool
	Close(ctx context.Context) error
}

// Source is a card reader slot: presence events and card sessions. Errors
// wrap the smartcard sentinels (ErrNoCard, ErrNoReader, ErrNoService).
type Source interface {
	WaitPresence(ctx context.Context, last bool) (bool, error)
	Open(ctx context.Context) (Session, error)
	String() string
	Close() error
}

// Opts configures a Reader.
type Opts struct {
	// Log receives one line per read (no personal data). Nil: slog.Default.
	Log *slog.Logger
	// RemovalWait is how long a failed read waits for the transport to tell
	// whether the card was pulled (pcscd polls presence every 400 ms).
	RemovalWait time.Duration
}

// DefaultOpts are the options NewReader uses when given nil.
var DefaultOpts = Opts{RemovalWait: 1500 * time.Millisecond}

// Reader implements smartcard.Reader over a Source.
type Reader struct {
	src  Source
	opts Opts

	mu   sync.Mutex
	last Stats
}

var _ smartcard.Reader = (*Reader)(nil)

// NewReader returns a Reader reading Thai ID cards from src.
func NewReader(src Source, opts *Opts) *Reader {
	if opts == nil {
		opts = &DefaultOpts
	}
	o := *opts
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.RemovalWait <= 0 {
		o.RemovalWait = DefaultOpts.RemovalWait
	}
	return &Reader{src: src, opts: o}
}

// WaitPresence blocks until card presence differs from last.
func (r *Reader) WaitPresence(ctx context.Context, last bool) (bool, error) {
	return r.src.WaitPresence(ctx, last)
}

// Read reads the card in the reader. A card pulled mid-read gives an error
// wrapping smartcard.ErrCardRemoved and no card.
func (r *Reader) Read(ctx context.Context) (*smartcard.IDCard, error) {
	return r.ReadProgress(ctx, nil)
}

// ExpectedAPDUs is about how many command APDUs a full read takes (fields,
// 20 photo chunks, laser code, reference): the scale of ReadProgress.
const ExpectedAPDUs = 52

// counting counts a session's APDUs for progress reports.
type counting struct {
	Session
	n        int
	progress func(percent int)
}

func (c *counting) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	c.n++
	c.progress(min(99, c.n*100/ExpectedAPDUs))
	return c.Session.Transmit(ctx, cmd)
}

// ReadProgress is Read, calling progress (when not nil) with the percent
// done before each APDU. It implements smartcard.ProgressReader.
func (r *Reader) ReadProgress(ctx context.Context, progress func(percent int)) (*smartcard.IDCard, error) {
	start := time.Now()
	s, err := r.src.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("thaiid: open card: %w", err)
	}
	if progress != nil {
		s = &counting{Session: s, progress: progress}
	}
	card, st, err := ReadCard(ctx, s, s.ATR())
	// Clean up even when ctx is done: a session left open keeps the card
	// locked.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	r.mu.Lock()
	r.last = st
	r.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) && !errors.Is(err, smartcard.ErrInvalidCard) && !errors.Is(err, smartcard.ErrUnsupportedCard) && s.Removed(cctx, r.opts.RemovalWait) {
			s.Close(cctx)
			r.opts.Log.Info("card removed mid-read", "reader", r.src.String(), "apdus", st.APDUs)
			return nil, fmt.Errorf("thaiid: read: %w (%v)", smartcard.ErrCardRemoved, err)
		}
		s.Close(cctx)
		return nil, err
	}
	if err := s.Close(cctx); err != nil {
		r.opts.Log.Warn("card session close", "err", err)
	}
	r.opts.Log.Info("card read", "reader", r.src.String(), "apdus", st.APDUs, "ms", time.Since(start).Milliseconds(), "photo_bytes", len(card.Photo), "reference", card.Reference != nil)
	return card, nil
}

// LastStats returns the statistics of the last read.
func (r *Reader) LastStats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

func (r *Reader) String() string { return "Thai ID card reader " + r.src.String() }

// Close closes the source.
func (r *Reader) Close() error { return r.src.Close() }

// PCSC is a Source reading from a pcscd reader slot; it maps pcsc errors to
// the smartcard sentinels.
type PCSC struct{ Slot *pcsc.Slot }

// OpenPCSC connects to pcscd (opts.Socket, or the default socket) and picks
// reader (empty: the first one).
func OpenPCSC(ctx context.Context, opts *pcsc.Opts, reader string) (*PCSC, error) {
	s, err := pcsc.NewSlot(ctx, opts, reader)
	if err != nil {
		return nil, mapErr(err)
	}
	return &PCSC{Slot: s}, nil
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pcsc.ErrNoService), errors.Is(err, pcsc.ErrServiceStopped):
		return fmt.Errorf("%w: %w", smartcard.ErrNoService, err)
	case errors.Is(err, pcsc.ErrNoReadersAvailable), errors.Is(err, pcsc.ErrUnknownReader), errors.Is(err, pcsc.ErrReaderUnavailable):
		return fmt.Errorf("%w: %w", smartcard.ErrNoReader, err)
	case errors.Is(err, pcsc.ErrNoSmartcard), errors.Is(err, pcsc.ErrRemovedCard):
		return fmt.Errorf("%w: %w", smartcard.ErrNoCard, err)
	}
	return err
}

// WaitPresence implements Source.
func (p *PCSC) WaitPresence(ctx context.Context, last bool) (bool, error) {
	v, err := p.Slot.WaitPresence(ctx, last)
	return v, mapErr(err)
}

// Open implements Source.
func (p *PCSC) Open(ctx context.Context) (Session, error) {
	s, err := p.Slot.Open(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	return s, nil
}

func (p *PCSC) String() string { return p.Slot.String() }

// Close implements Source.
func (p *PCSC) Close() error { return p.Slot.Close() }

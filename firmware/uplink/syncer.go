package uplink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/regterm/regterm/firmware/outbox"
)

// TimeObserver takes the registry's time from its answers
// (*trustedtime.Clock implements it).
type TimeObserver interface {
	ObserveRegistry(t time.Time, rtt time.Duration)
	Offset() (time.Duration, bool)
}

// SyncConfig configures a Syncer. Zero fields take the DefaultSyncConfig
// value.
type SyncConfig struct {
	Client *Client
	// Batch is the number of records per request (at most MaxBatch).
	Batch int
	// Interval is the pause between sync cycles while the registry
	// answers (a Kick starts a cycle at once).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the exponential backoff after
	// failures (full jitter: a random wait in [0, min(Max, Min*2^n)]).
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps how long a Retry-After may make the syncer wait.
	MaxRetryAfter time.Duration
	// MaxRate bounds the replay rate in records per second (after an
	// outage the queue drains no faster); negative means no bound.
	MaxRate float64
	// Heartbeat returns the versions and health to report; the syncer
	// fills in the queue and clock fields. Nil sends them empty.
	Heartbeat func() Heartbeat
	// Clock receives the registry's time (nil: ignored).
	Clock TimeObserver
	// Now is the syncer's clock (default time.Now).
	Now func() time.Time
	// Jitter returns a random duration in [0, d] (default: uniform).
	Jitter func(d time.Duration) time.Duration
	Log    *slog.Logger
}

// DefaultSyncConfig are the values used for zero SyncConfig fields.
var DefaultSyncConfig = SyncConfig{
	Batch:         100,
	Interval:      30 * time.Second,
	MinBackoff:    time.Second,
	MaxBackoff:    5 * time.Minute,
	MaxRetryAfter: time.Hour,
	MaxRate:       500,
	Now:           time.Now,
	Jitter:        func(d time.Duration) time.Duration { return rand.N(d + 1) },
}

// SyncStatus is the syncer's state for screens, logs and the heartbeat.
type SyncStatus struct {
	Online      bool      // the last cycle completed
	LastAttempt time.Time // start of the last cycle
	LastSuccess time.Time // end of the last completed cycle
	LastError   string
	Failures    int       // consecutive failed cycles
	NextAttempt time.Time // when the next cycle starts at the latest
	// Totals since start.
	Sent, Accepted, Duplicates, Rejected uint64
}

// Syncer forwards the outbox to the registry.
type Syncer struct {
	o    *outbox.Outbox
	cfg  SyncConfig
	kick chan struct{}

	mu       sync.Mutex
	st       SyncStatus
	nextSend time.Time // rate limit
}

// NewSyncer returns a syncer of o. Run starts it.
func NewSyncer(o *outbox.Outbox, cfg SyncConfig) (*Syncer, error) {
	if o == nil || cfg.Client == nil {
		return nil, fmt.Errorf("%w: syncer needs an outbox and a client", ErrConfig)
	}
	d := DefaultSyncConfig
	if cfg.Batch <= 0 {
		cfg.Batch = d.Batch
	}
	cfg.Batch = min(cfg.Batch, MaxBatch)
	if cfg.Interval <= 0 {
		cfg.Interval = d.Interval
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = d.MinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = d.MaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = d.MaxRetryAfter
	}
	if cfg.MaxRate == 0 {
		cfg.MaxRate = d.MaxRate
	}
	if cfg.Now == nil {
		cfg.Now = d.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = d.Jitter
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Syncer{o: o, cfg: cfg, kick: make(chan struct{}, 1)}, nil
}

// Kick asks for a sync cycle now (after an Append). While the syncer backs
// off after failures a kick does not shorten the wait.
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Status returns the syncer's state.
func (s *Syncer) Status() SyncStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Run syncs until ctx is done, and returns ctx's error.
func (s *Syncer) Run(ctx context.Context) error {
	for {
		start := s.cfg.Now()
		s.mu.Lock()
		s.st.LastAttempt = start
		s.mu.Unlock()
		err := s.Cycle(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.mu.Lock()
		var wait time.Duration
		if err != nil {
			s.st.Failures++
			s.st.Online = false
			s.st.LastError = err.Error()
			wait = s.backoff(s.st.Failures, err)
			s.cfg.Log.Warn("uplink: sync failed", "err", err, "failures", s.st.Failures, "retry_in", wait)
		} else {
			if s.st.Failures > 0 || !s.st.Online {
				s.cfg.Log.Info("uplink: registry reachable")
			}
			s.st.Failures = 0
			s.st.Online = true
			s.st.LastError = ""
			s.st.LastSuccess = s.cfg.Now()
			wait = s.cfg.Interval
		}
		s.st.NextAttempt = s.cfg.Now().Add(wait)
		failing := s.st.Failures > 0
		s.mu.Unlock()

		kick := s.kick
		if failing {
			kick = nil // no busy loop while offline
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		case <-kick:
			t.Stop()
		}
	}
}

// backoff is the wait after the n-th consecutive failure: full jitter in
// [0, min(MaxBackoff, MinBackoff*2^(n-1))], at least the registry's
// Retry-After (capped at MaxRetryAfter).
func (s *Syncer) backoff(n int, err error) time.Duration {
	ceil := s.cfg.MaxBackoff
	if n <= 30 {
		ceil = min(ceil, s.cfg.MinBackoff<<(n-1))
	}
	d := s.cfg.Jitter(ceil)
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		d = max(d, min(se.RetryAfter, s.cfg.MaxRetryAfter))
	}
	return d
}

// errNoProgress: the registry answered a batch without settling any record.
var errNoProgress = errors.New("uplink: registry settled no record of the batch")

// Cycle runs one sync cycle: a heartbeat, then batches until the queue is
// empty. Run calls it; it is exported for tools and tests.
func (s *Syncer) Cycle(ctx context.Context) error {
	if err := s.heartbeat(ctx); err != nil {
		return err
	}
	for {
		items, err := s.o.Pending(s.cfg.Batch)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		if err := s.pace(ctx, len(items)); err != nil {
			return err
		}
		recs := make([][]byte, len(items))
		for i, it := range items {
			recs[i] = it.Bytes
		}
		ans, err := s.cfg.Client.PostRecords(ctx, recs)
		if err != nil {
			return err
		}
		if s.cfg.Clock != nil {
			s.cfg.Clock.ObserveRegistry(ans.Time, ans.RTT)
		}
		// A stale or misrouted answer (a duplicated response read as the
		// answer to this request) must not settle these records.
		for i, r := range ans.Results {
			if r.ID != "" && !strings.HasSuffix(r.ID, fmt.Sprintf("/%d/%d", items[i].ID.Epoch, items[i].ID.Seq)) {
				return fmt.Errorf("%w: result %d is for record %s, not %s", ErrBadAnswer, i, r.ID, items[i].ID)
			}
		}
		var acks []outbox.ID
		var acc, dup, rej uint64
		for i, r := range ans.Results {
			switch r.Status {
			case Accepted:
				acks = append(acks, items[i].ID)
				acc++
			case Duplicate:
				acks = append(acks, items[i].ID)
				dup++
			case Rejected:
				if err := s.o.Reject(items[i].ID, r.Reason); err != nil && !errors.Is(err, outbox.ErrNotQueued) {
					return err
				}
				rej++
				s.cfg.Log.Error("uplink: registry rejected a record; kept as a dead letter", "record", items[i].ID.String(), "reason", r.Reason)
			}
		}
		if err := s.o.Ack(acks); err != nil {
			return err
		}
		s.mu.Lock()
		s.st.Sent += uint64(len(items))
		s.st.Accepted += acc
		s.st.Duplicates += dup
		s.st.Rejected += rej
		s.mu.Unlock()
		if acc+dup+rej == 0 {
			return errNoProgress
		}
		if len(items) < s.cfg.Batch {
			return nil
		}
	}
}

// pace waits until n more records may be sent under MaxRate.
func (s *Syncer) pace(ctx context.Context, n int) error {
	if s.cfg.MaxRate < 0 {
		return nil
	}
	now := s.cfg.Now()
	s.mu.Lock()
	at := s.nextSend
	if at.Before(now) {
		at = now
	}
	s.nextSend = at.Add(time.Duration(float64(n) / s.cfg.MaxRate * float64(time.Second)))
	s.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

func (s *Syncer) heartbeat(ctx context.Context) error {
	var hb Heartbeat
	if s.cfg.Heartbeat != nil {
		hb = s.cfg.Heartbeat()
	}
	st := s.o.Stats()
	hb.QueueDepth = st.Depth
	hb.OldestAgeSeconds = st.OldestAge.Seconds()
	hb.DeadLetters = st.DeadLetters
	hb.LastSync = st.LastSync
	if st.Quarantine != "" {
		hb.Alarms = append(hb.Alarms, "outbox quarantined: "+st.QuarantineReason)
	}
	if s.cfg.Clock != nil {
		if off, ok := s.cfg.Clock.Offset(); ok {
			hb.ClockOffsetMillis = off.Milliseconds()
		}
	}
	if hb.Time.IsZero() {
		hb.Time = s.cfg.Now().UTC()
	}
	ans, err := s.cfg.Client.PostHeartbeat(ctx, &hb)
	var se *StatusError
	if errors.As(err, &se) && se.Code/100 == 4 && se.Code != http.StatusTooManyRequests {
		// A registry refusing heartbeats still gets the records.
		s.cfg.Log.Warn("uplink: heartbeat refused", "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	if s.cfg.Clock != nil {
		s.cfg.Clock.ObserveRegistry(ans.Time, ans.RTT)
	}
	return nil
}

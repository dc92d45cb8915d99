package terminal

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"sync"

	"github.com/regterm/regterm/drivers/fingerprint"
	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/reference"
	"github.com/regterm/regterm/firmware/enroll"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/record"
)

// session is what the executor holds for one citizen: personal and
// biometric data, in memory only, wiped when the session ends.
type session struct {
	card    *smartcard.IDCard
	best    *biometric.Template
	quality int
	score   float64
}

func (s *session) wipe() {
	if s.card != nil {
		wipeCard(s.card)
		s.card = nil
	}
	if s.best != nil {
		s.best.Wipe()
		s.best = nil
	}
	s.quality, s.score = 0, 0
}

func (t *Terminal) wipeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, s := range t.sessions {
		s.wipe()
		delete(t.sessions, id)
	}
}

// execute runs a. Drawing and wiping happen in the loop; device work runs
// in a goroutine bounded by the action's deadline and reports an event.
func (t *Terminal) execute(ctx context.Context, wg *sync.WaitGroup, a enroll.Action) {
	switch a.Kind {
	case enroll.ActShow:
		t.show(a.Screen)
		return
	case enroll.ActWipe:
		t.mu.Lock()
		if s := t.sessions[a.Session]; s != nil {
			s.wipe()
			delete(t.sessions, a.Session)
		}
		t.mu.Unlock()
		return
	}
	if a.Kind == enroll.ActReadCard { // a session begins with its card read
		t.mu.Lock()
		t.sessions[a.Session] = &session{}
		t.mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		actx, cancel := context.WithDeadline(ctx, a.Deadline)
		defer cancel()
		var e enroll.Event
		switch a.Kind {
		case enroll.ActReadCard:
			e = t.readCard(actx, a)
		case enroll.ActCapture:
			e = t.capture(actx, a)
		case enroll.ActMatch:
			e = t.match(actx, a)
		case enroll.ActSignAndQueue:
			e = t.signAndQueue(actx, a)
		default:
			t.log.Error("unknown action", "action", a.Kind.String())
			return
		}
		if ctx.Err() != nil {
			return
		}
		e.Session = a.Session
		t.Post(e)
	}()
}

func (t *Terminal) readCard(ctx context.Context, a enroll.Action) enroll.Event {
	e := enroll.Event{Kind: enroll.EvCardRead}
	var card *smartcard.IDCard
	var err error
	if pr, ok := t.dev.Reader.(smartcard.ProgressReader); ok {
		last := 0
		card, err = pr.ReadProgress(ctx, func(p int) {
			if p >= last+10 { // a redraw per tenth is plenty
				last = p
				t.tryPost(enroll.Event{Kind: enroll.EvCardProgress, Session: a.Session, Progress: p})
			}
		})
	} else {
		card, err = t.dev.Reader.Read(ctx)
	}
	switch {
	case err == nil:
	case errors.Is(err, smartcard.ErrCardRemoved), errors.Is(err, smartcard.ErrNoCard):
		e.Code = enroll.CodeCardRemoved
	case errors.Is(err, smartcard.ErrInvalidCard):
		e.Code = enroll.CodeCardInvalid
	default:
		e.Code = enroll.CodeCardRead
	}
	if err != nil {
		t.log.Warn("card read failed", "session", a.Session, "code", e.Code, "err", err)
		return e
	}
	now, _ := t.o.Clock.Now()
	if card.Expired(now) {
		e.Code = enroll.CodeCardExpired
		wipeCard(card)
		return e
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.sessions[a.Session]
	if s == nil { // the session ended while the card was read
		wipeCard(card)
		return e
	}
	s.card = card
	return e
}

// wipeCard overwrites the card's byte fields in place and zeroes the rest.
func wipeCard(c *smartcard.IDCard) {
	clear(c.Photo)
	clear(c.Reference)
	*c = smartcard.IDCard{}
}

func (t *Terminal) capture(ctx context.Context, a enroll.Action) enroll.Event {
	e := enroll.Event{Kind: enroll.EvCaptured, Quality: -1}
	_ = t.dev.Sensor.SetLED(ctx, fingerprint.LEDCapture)
	img, err := t.dev.Sensor.Capture(ctx)
	switch {
	case errors.Is(err, fingerprint.ErrNoFinger), errors.Is(err, context.DeadlineExceeded):
		e.Code = enroll.CodeNoFinger
		return e
	case errors.Is(err, fingerprint.ErrPoorImage):
		e.Quality = 0
		return e
	case err != nil:
		t.log.Warn("sensor failed", "session", a.Session, "err", err)
		e.Code = enroll.CodeSensor
		return e
	}
	defer clear(img.Pix)
	q := int(biometric.Quality(img))
	e.Quality = q
	tpl, err := biometric.Extract(img, t.dpi())
	if err != nil {
		e.Quality = 0 // no usable minutiae: ask again
		return e
	}
	t.mu.Lock()
	s := t.sessions[a.Session]
	if s == nil { // ended meanwhile
		tpl.Wipe()
	} else if s.best == nil || q > s.quality {
		if s.best != nil {
			s.best.Wipe()
		}
		s.best, s.quality = tpl, q
	} else {
		tpl.Wipe()
	}
	t.mu.Unlock()
	t.log.Info("captured", "session", a.Session, "attempt", a.Attempt, "quality", q)
	return e
}

func (t *Terminal) dpi() int {
	if d := t.dev.Sensor.Info().DPI; d > 0 {
		return d
	}
	return 500
}

func (t *Terminal) match(ctx context.Context, a enroll.Action) enroll.Event {
	e := enroll.Event{Kind: enroll.EvMatched}
	// Work on copies: the loop may wipe the session meanwhile.
	t.mu.Lock()
	s := t.sessions[a.Session]
	var card *smartcard.IDCard
	var probe *biometric.Template
	if s != nil && s.card != nil && s.best != nil {
		c := *s.card
		c.Photo, c.Reference = nil, bytes.Clone(s.card.Reference)
		card = &c
		p := *s.best
		p.Minutiae = slices.Clone(s.best.Minutiae)
		probe = &p
	}
	t.mu.Unlock()
	if card == nil {
		e.Code = enroll.CodeCaptureFailed
		return e
	}
	defer wipeCard(card)
	defer probe.Wipe()
	ref, err := t.o.References.Reference(ctx, card.CitizenID, card)
	if err != nil {
		t.log.Warn("no trusted reference", "session", a.Session, "untrusted", errors.Is(err, reference.ErrUntrusted), "err", err)
		e.Code = enroll.CodeNoReference
		return e
	}
	defer ref.Wipe()
	score := biometric.Match(probe, ref.Template)
	t.mu.Lock()
	s.score = score // s stays valid memory; a wiped session just loses it
	t.mu.Unlock()
	e.Matched = score >= t.o.Threshold
	t.log.Info("matched", "session", a.Session, "score", score, "threshold", t.o.Threshold, "match", e.Matched, "reference_from", ref.From)
	if e.Matched {
		_ = t.dev.Sensor.SetLED(ctx, fingerprint.LEDOK)
	} else {
		_ = t.dev.Sensor.SetLED(ctx, fingerprint.LEDFail)
	}
	return e
}

func (t *Terminal) signAndQueue(ctx context.Context, a enroll.Action) enroll.Event {
	e := enroll.Event{Kind: enroll.EvRecordQueued}
	st := t.State()
	var c smartcard.IDCard // the fields the record needs, copied
	t.mu.Lock()
	s := t.sessions[a.Session]
	ok := s != nil && s.card != nil
	var quality int
	var score float64
	if ok {
		c = smartcard.IDCard{CitizenID: s.card.CitizenID, PhotoNumber: s.card.PhotoNumber,
			LaserCode: s.card.LaserCode, RawHash: s.card.RawHash}
		quality, score = s.quality, s.score
	}
	t.mu.Unlock()
	if !ok {
		e.Code = enroll.CodeQueue
		return e
	}
	card := &c
	now, src := t.o.Clock.Now()
	expires := now.Add(t.o.QRTTL)
	sid := make([]byte, 16)
	rand.Read(sid)
	token, tokenHash, err := record.NewToken(t.dev.Signer, sid, t.o.TerminalID, expires)
	if err != nil {
		t.log.Error("token", "session", a.Session, "err", err)
		e.Code = enroll.CodeSign
		return e
	}
	r := &record.Record{
		NoticeVersion: st.Cfg.NoticeVersion,
		TerminalID:    t.o.TerminalID,
		OfficerID:     st.Officer,
		CitizenID:     card.CitizenID,
		ChipNumber:    card.PhotoNumber,
		LaserCode:     card.LaserCode,
		CardHash:      append([]byte(nil), card.RawHash[:]...),
		TokenHash:     tokenHash[:],
		TimeUnixMilli: now.UnixMilli(),
		TimeSource:    src,
		BootMilli:     uint64(t.o.Now().Sub(t.boot).Milliseconds()),
		Firmware:      FirmwareVersion,
	}
	switch a.Record {
	case enroll.RecordMatch:
		r.Kind = record.KindMatch
		r.Match = &record.Match{Score: score, Threshold: t.o.Threshold, Quality: uint8(quality), Algorithm: biometric.AlgorithmVersion}
	case enroll.RecordException:
		r.Kind = record.KindException
		r.Exception = &record.Exception{SupervisorID: a.Supervisor, Reason: st.Code}
	}
	seq, err := t.o.Queue.Append(ctx, r, t.dev.Signer)
	r.CitizenID = ""
	switch {
	case errors.Is(err, outbox.ErrFull):
		e.Code = enroll.CodeOutboxFull
	case err != nil:
		e.Code = enroll.CodeQueue
	}
	t.postQueue()
	if err != nil {
		t.log.Error("record not queued", "session", a.Session, "code", e.Code, "err", err)
		return e
	}
	t.mu.Lock()
	t.counts.Records++
	t.mu.Unlock()
	t.log.Info("record queued", "session", a.Session, "seq", seq, "kind", int(r.Kind), "time_source", string(src))
	if t.o.Syncer != nil {
		t.o.Syncer.Kick()
	}
	// The countdown runs on the loop's clock.
	e.Token, e.Expires = token, t.o.Now().Add(t.o.QRTTL)
	return e
}

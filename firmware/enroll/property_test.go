package enroll

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

var codes = []string{CodeCardRead, CodeNoFinger, CodeSensor, CodeSign, CodeQueue, CodeOutboxFull, CodeNoReference}

// genEvent draws a plausible event for state s at time now: result events
// mostly of the current session, sometimes of another.
func genEvent(t *rapid.T, s State, now time.Time) Event {
	k := EventKind(rapid.IntRange(0, int(numEventKinds)-1).Draw(t, "kind"))
	// Mostly, what the phase waits for (as a working executor would send),
	// so that sequences reach the deep phases; otherwise anything.
	if exp := expected[s.Phase]; len(exp) > 0 && rapid.IntRange(0, 9).Draw(t, "guided") < 7 {
		k = rapid.SampledFrom(exp).Draw(t, "expected-kind")
	}
	e := Event{Kind: k, At: now}
	switch rapid.IntRange(0, 9).Draw(t, "which-session") {
	case 0:
		e.Session = 0
	case 1:
		e.Session = s.Session.ID + 1
	case 2:
		if s.Session.ID > 1 {
			e.Session = s.Session.ID - 1
		}
	default:
		e.Session = s.Session.ID
	}
	if rapid.IntRange(0, 9).Draw(t, "fails") < 2 {
		e.Code = rapid.SampledFrom(codes).Draw(t, "code")
	}
	e.Quality = rapid.IntRange(-1, 100).Draw(t, "quality")
	e.Matched = rapid.IntRange(0, 3).Draw(t, "matched") > 0
	e.Full = rapid.IntRange(0, 4).Draw(t, "full") == 0
	e.Online = rapid.Bool().Draw(t, "online")
	if rapid.IntRange(0, 5).Draw(t, "no-officer") > 0 {
		e.Officer = rapid.SampledFrom([]string{"OFF-1", "OFF-2", "SUP-1"}).Draw(t, "officer")
	}
	if k == EvRecordQueued {
		e.Token = rapid.SampledFrom([]string{"", "RT1:A", "RT1:B", "RT1:C"}).Draw(t, "token")
		e.Expires = now.Add(time.Duration(rapid.IntRange(-10, 180).Draw(t, "ttl")) * time.Second)
	}
	return e
}

var expected = map[Phase][]EventKind{
	PhaseLoggedOut:   {EvOfficerLogin},
	PhaseReady:       {EvCardInserted, EvCardInserted, EvConfirm},
	PhaseReadingCard: {EvCardRead},
	PhaseConsent:     {EvConfirm, EvConfirm, EvRefuse},
	PhaseCapturing:   {EvCaptured},
	PhaseMatching:    {EvMatched},
	PhaseSigning:     {EvRecordQueued},
	PhaseShowQR:      {EvConfirm, EvTick},
	PhaseDone:        {EvCardRemoved, EvConfirm},
	PhaseError:       {EvSupervisorApprove, EvCardRemoved, EvConfirm},
	PhaseOutboxFull:  {EvQueueStatus},
}

// history is what the checker knows about each session.
type history struct {
	readOK      map[uint64]bool // a card read succeeded
	cardMoved   map[uint64]bool // the card left or changed after the read started
	matched     map[uint64]bool // a successful match result was accepted
	queuedOK    map[uint64]bool // a record was queued
	started     map[uint64]bool
	wipes       map[uint64]int
	signs       map[uint64]int
	exceptionOK map[uint64]bool
}

// The invariants, each a named test over random event sequences.
func TestInvariantMatchBeforeRecord(t *testing.T)      { checkInvariant(t, "InvariantMatchBeforeRecord") }
func TestInvariantExceptionNeedsApproval(t *testing.T) { checkInvariant(t, "InvariantException") }
func TestInvariantOneCard(t *testing.T)                { checkInvariant(t, "InvariantOneCard") }
func TestInvariantTimeoutSafe(t *testing.T)            { checkInvariant(t, "InvariantTimeoutSafe") }
func TestInvariantWipe(t *testing.T)                   { checkInvariant(t, "InvariantWipe") }
func TestInvariantQRAfterQueue(t *testing.T)           { checkInvariant(t, "InvariantQRAfterQueue") }
func TestInvariantsAll(t *testing.T)                   { checkInvariant(t, "") }

// checkInvariant runs random sequences and fails on a violation of the
// named invariant ("" checks them all, with the structural checks).
func checkInvariant(tt *testing.T, only string) {
	rapid.Check(tt, func(t *rapid.T) {
		fail := func(inv, format string, args ...any) {
			if only == "" || only == inv {
				t.Fatalf(inv+": "+format, args...)
			}
		}
		s := New(Config{}, t0)
		now := t0
		h := history{map[uint64]bool{}, map[uint64]bool{}, map[uint64]bool{}, map[uint64]bool{},
			map[uint64]bool{}, map[uint64]int{}, map[uint64]int{}, map[uint64]bool{}}
		n := rapid.IntRange(1, 200).Draw(t, "n")
		for i := 0; i < n; i++ {
			now = now.Add(time.Duration(rapid.IntRange(0, 40000).Draw(t, "dt-ms")) * time.Millisecond)
			e := genEvent(t, s, now)
			prev := s
			s2, acts := Step(s, e)
			cur := prev.Session.ID
			accepted := e.Session == cur && cur != 0
			// what the event did to the history of the current session
			switch {
			case e.Kind == EvCardRead && accepted && prev.Phase == PhaseReadingCard && e.Code == "":
				h.readOK[cur] = true
			case (e.Kind == EvCardRemoved || e.Kind == EvCardInserted) && cur != 0:
				if prev.Phase != PhaseSigning && prev.Phase != PhaseShowQR {
					h.cardMoved[cur] = true
				}
			case e.Kind == EvMatched && accepted && prev.Phase == PhaseMatching && e.Code == "" && e.Matched:
				h.matched[cur] = true
			case e.Kind == EvRecordQueued && accepted && prev.Phase == PhaseSigning && e.Code == "":
				h.queuedOK[cur] = true
			}
			if prev.Phase == PhaseError && prev.Session.ExceptionOK {
				h.exceptionOK[cur] = true
			}
			for _, a := range acts {
				switch a.Kind {
				case ActReadCard:
					h.started[a.Session] = true
				case ActWipe:
					h.wipes[a.Session]++
				case ActSignAndQueue:
					h.signs[a.Session]++
					if a.Session != s2.Session.ID {
						fail("", "sign action for session %d while the session is %d", a.Session, s2.Session.ID)
					}
					if !h.readOK[a.Session] {
						fail("", "record for session %d whose card was never read", a.Session)
					}
					if h.cardMoved[a.Session] {
						fail("InvariantOneCard", "record for session %d after its card changed", a.Session)
					}
					switch a.Record {
					case RecordMatch:
						if !h.matched[a.Session] || e.Kind != EvMatched {
							fail("InvariantMatchBeforeRecord", "match record for session %d without a match", a.Session)
						}
					case RecordException:
						if e.Kind != EvSupervisorApprove || a.Supervisor == "" || !h.exceptionOK[a.Session] {
							fail("InvariantException", "exception record for session %d without approval", a.Session)
						}
					default:
						fail("", "unknown record kind %v", a.Record)
					}
					if h.signs[a.Session] > 1 {
						fail("", "two records for session %d", a.Session)
					}
				case ActShow:
					if a.Screen.ID == ScreenQR && !h.queuedOK[s2.Session.ID] {
						fail("InvariantQRAfterQueue", "QR of session %d shown before its record was queued", s2.Session.ID)
					}
				}
			}
			if s2.Deadline.IsZero() {
				fail("", "phase %v without a timeout", s2.Phase)
			}
			if e.Kind == EvTick && !prev.Deadline.IsZero() && !e.At.Before(prev.Deadline) && s2.Phase.InSession() {
				fail("InvariantTimeoutSafe", "timeout in %v led to session phase %v", prev.Phase, s2.Phase)
			}
			if s2.Phase == PhaseReady || s2.Phase == PhaseLoggedOut {
				if s2.Officer == "" && s2.Phase == PhaseReady {
					t.Fatal("ready without an officer")
				}
			}
			s = s2
		}
		// Let every timer run out: the machine settles in a safe phase and
		// every session was wiped exactly once.
		for i := 0; i < 10 && (s.Phase.InSession() || s.Phase == PhaseError || s.Phase == PhaseDone); i++ {
			var acts []Action
			s, acts = Step(s, Event{Kind: EvTick, At: s.Deadline})
			for _, a := range acts {
				if a.Kind == ActWipe {
					h.wipes[a.Session]++
				}
			}
		}
		if s.Phase.InSession() || s.Phase == PhaseError || s.Phase == PhaseDone {
			fail("InvariantTimeoutSafe", "did not settle, phase %v", s.Phase)
		}
		for id := range h.started {
			if h.wipes[id] != 1 {
				fail("InvariantWipe", "session %d wiped %d times, want 1", id, h.wipes[id])
			}
		}
	})
}

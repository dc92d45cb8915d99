package enroll

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// run applies events in order, each one second after the last.
func run(t testing.TB, s State, evs ...Event) (State, []Action) {
	t.Helper()
	var all []Action
	for _, e := range evs {
		if e.At.IsZero() {
			e.At = at(s)
		}
		var acts []Action
		s, acts = Step(s, e)
		all = append(all, acts...)
	}
	return s, all
}

// at returns a time one second after the state's phase started (before any
// deadline).
func at(s State) time.Time { return s.Deadline.Add(-time.Second).Truncate(time.Second) }

func login() Event { return Event{Kind: EvOfficerLogin, Officer: "OFF-0001"} }

// reach returns a state in phase p (with a card present in session phases).
func reach(t testing.TB, p Phase, exception bool) State {
	t.Helper()
	s := New(Config{}, t0)
	steps := map[Phase][]Event{
		PhaseLoggedOut:   nil,
		PhaseReady:       {login()},
		PhaseReadingCard: {login(), {Kind: EvCardInserted}},
		PhaseConsent:     {login(), {Kind: EvCardInserted}, {Kind: EvCardRead, Session: 1}},
		PhaseCapturing:   {login(), {Kind: EvCardInserted}, {Kind: EvCardRead, Session: 1}, {Kind: EvConfirm}},
		PhaseMatching: {login(), {Kind: EvCardInserted}, {Kind: EvCardRead, Session: 1}, {Kind: EvConfirm},
			{Kind: EvCaptured, Session: 1, Quality: 80}},
		PhaseSigning: {login(), {Kind: EvCardInserted}, {Kind: EvCardRead, Session: 1}, {Kind: EvConfirm},
			{Kind: EvCaptured, Session: 1, Quality: 80}, {Kind: EvMatched, Session: 1, Matched: true}},
		PhaseOutboxFull: {login(), {Kind: EvQueueStatus, Full: true}},
	}
	evs, ok := steps[p]
	switch p {
	case PhaseShowQR, PhaseDone:
		s = reach(t, PhaseSigning, false)
		s, _ = run(t, s, queued(s, 1))
		if p == PhaseDone {
			s, _ = run(t, s, Event{Kind: EvConfirm})
		}
		ok = true
	case PhaseError:
		if exception {
			s = reach(t, PhaseCapturing, false)
			for i := 0; i < s.Cfg.MaxAttempts; i++ {
				s, _ = run(t, s, Event{Kind: EvCaptured, Session: 1, Quality: 5})
			}
		} else {
			s = reach(t, PhaseReadingCard, false)
			s, _ = run(t, s, Event{Kind: EvCardRead, Session: 1, Code: CodeCardRead})
		}
		ok = true
	default:
		s, _ = run(t, s, evs...)
	}
	if !ok || s.Phase != p {
		t.Fatalf("reach(%v): got phase %v", p, s.Phase)
	}
	return s
}

func queued(s State, session uint64) Event {
	a := at(s)
	return Event{Kind: EvRecordQueued, At: a, Session: session, Token: "RT1:TOKEN", Expires: a.Add(2 * time.Minute)}
}

// canonical returns the success form of an event of kind k for state s.
func canonical(s State, k EventKind) Event {
	e := Event{Kind: k, At: at(s), Session: s.Session.ID}
	switch k {
	case EvOfficerLogin:
		e.Officer = "OFF-0002"
	case EvSupervisorApprove:
		e.Officer = "SUP-0001"
	case EvCaptured:
		e.Quality = 80
	case EvMatched:
		e.Matched = true
	case EvRecordQueued:
		e = queued(s, s.Session.ID)
	case EvUplink:
		e.Online = true
	case EvCardProgress:
		e.Progress = 40
	}
	return e
}

var short = map[string]Phase{"LO": PhaseLoggedOut, "RD": PhaseReady, "RC": PhaseReadingCard,
	"CO": PhaseConsent, "CA": PhaseCapturing, "MA": PhaseMatching, "SI": PhaseSigning,
	"QR": PhaseShowQR, "DN": PhaseDone, "ER": PhaseError, "OF": PhaseOutboxFull}

// TestEveryStateEveryEvent is the exhaustive table: every phase x every
// event kind has a stated outcome. "=" means ignored: same phase, no action.
// "=+" means same phase with actions (a redraw).
func TestEveryStateEveryEvent(t *testing.T) {
	//            tick login logout ins rem read conf refu canc capt matc queu qsta appr upln prog
	table := []struct {
		phase     Phase
		exception bool
		row       string
	}{
		{PhaseLoggedOut, false, "=    RD    =     =   =   =    =    =    =    =    =    =    =    =    =+   ="},
		{PhaseReady, false, "=       =     LO    RC  =   =    =    =    =    =    =    =    =    =    =+   ="},
		{PhaseReadingCard, false, "=     =     LO    ER  ER  CO   =    =    ER   =    =    =    =    =    =+   =+"},
		{PhaseConsent, false, "=         =     LO    ER  ER  =    CA   ER   ER   =    =    =    =    =    =+   ="},
		{PhaseCapturing, false, "=       =     LO    ER  ER  =    =    =    ER   MA   =    =    =    =    =+   ="},
		{PhaseMatching, false, "=        =     LO    ER  ER  =    =    =    ER   =    SI   =    =    =    =+   ="},
		{PhaseSigning, false, "=         =     LO    =   =   =    =    =    =    =    =    QR   =    =    =+   ="},
		{PhaseShowQR, false, "=+         =     LO    ER  =   =    DN   =    ER   =    =    =    =    =    =+   ="},
		{PhaseDone, false, "=            =     LO    RC  RD  =    RD   =    =    =    =    =    =    =    =+   ="},
		{PhaseError, false, "=           =     LO    RC  RD  =    RD   =    =    =    =    =    =    =    =+   ="},
		{PhaseError, true, "=            =     LO    RC  RD  =    RD   =    =    =    =    =    =    SI   =+   ="},
		{PhaseOutboxFull, false, "=      =     LO    =+  =   =    =    =    =    =    =    =    RD   =    =+   ="},
	}
	for _, row := range table {
		cells := strings.Fields(row.row)
		if len(cells) != int(numEventKinds) {
			t.Fatalf("%v: row has %d cells, want %d", row.phase, len(cells), numEventKinds)
		}
		for k := EventKind(0); k < numEventKinds; k++ {
			name := fmt.Sprintf("%v/exception=%v/%v", row.phase, row.exception, k)
			t.Run(name, func(t *testing.T) {
				s := reach(t, row.phase, row.exception)
				got, acts := Step(s, canonical(s, k))
				switch want := cells[k]; want {
				case "=":
					if got.Phase != s.Phase || len(acts) != 0 {
						t.Errorf("got phase %v with %d actions, want ignored (phase %v, no action)", got.Phase, len(acts), s.Phase)
					}
				case "=+":
					if got.Phase != s.Phase || len(acts) == 0 {
						t.Errorf("got phase %v with %d actions, want same phase with a redraw", got.Phase, len(acts))
					}
				default:
					if got.Phase != short[want] {
						t.Errorf("got phase %v, want %v", got.Phase, short[want])
					}
					if len(acts) == 0 || acts[0].Kind != ActShow && acts[0].Kind != ActWipe {
						t.Errorf("transition to %v shows nothing: %v", got.Phase, acts)
					}
				}
				if got.Deadline.IsZero() {
					t.Errorf("phase %v has no timeout", got.Phase)
				}
			})
		}
	}
}

// TestTimeouts: every phase times out, and into a safe phase.
func TestTimeouts(t *testing.T) {
	want := map[Phase]Phase{
		PhaseLoggedOut: PhaseLoggedOut, PhaseReady: PhaseLoggedOut, PhaseReadingCard: PhaseError,
		PhaseConsent: PhaseError, PhaseCapturing: PhaseError, PhaseMatching: PhaseError,
		PhaseSigning: PhaseError, PhaseShowQR: PhaseError, PhaseDone: PhaseReady,
		PhaseError: PhaseReady, PhaseOutboxFull: PhaseOutboxFull,
	}
	for p := Phase(0); p < numPhases; p++ {
		t.Run(p.String(), func(t *testing.T) {
			s := reach(t, p, false)
			if s.Deadline.IsZero() {
				t.Fatalf("phase %v has no deadline", p)
			}
			got, acts := Step(s, Event{Kind: EvTick, At: s.Deadline})
			if got.Phase != want[p] {
				t.Errorf("timeout of %v: got %v, want %v", p, got.Phase, want[p])
			}
			if got.Phase.InSession() {
				t.Errorf("timeout of %v left a session phase %v", p, got.Phase)
			}
			if len(acts) == 0 {
				t.Errorf("timeout of %v showed nothing", p)
			}
			if !got.Deadline.After(s.Deadline) {
				t.Errorf("timeout of %v: new deadline %v not after %v", p, got.Deadline, s.Deadline)
			}
		})
	}
}

// TestStaleResults: results of another session are ignored in every phase.
func TestStaleResults(t *testing.T) {
	for p := Phase(0); p < numPhases; p++ {
		for _, k := range []EventKind{EvCardRead, EvCaptured, EvMatched, EvRecordQueued, EvSupervisorApprove} {
			t.Run(fmt.Sprintf("%v/%v", p, k), func(t *testing.T) {
				s := reach(t, p, true)
				e := canonical(s, k)
				e.Session = s.Session.ID + 7
				got, acts := Step(s, e)
				if got.Phase != s.Phase || len(acts) != 0 {
					t.Errorf("stale %v in %v: got phase %v and %v, want ignored", k, p, got.Phase, acts)
				}
			})
		}
	}
}

func TestHappyPath(t *testing.T) {
	s := New(Config{}, t0)
	s, acts := run(t, s, login(), Event{Kind: EvCardInserted})
	wantKinds(t, acts, ActShow, ActShow, ActReadCard)
	s, acts = run(t, s, Event{Kind: EvCardRead, Session: 1})
	if acts[0].Screen.ID != ScreenConsent || acts[0].Screen.NoticeVersion != DefaultConfig.NoticeVersion {
		t.Errorf("consent screen: got %+v", acts[0].Screen)
	}
	s, acts = run(t, s, Event{Kind: EvConfirm})
	wantKinds(t, acts, ActShow, ActCapture)
	if acts[1].Attempt != 1 {
		t.Errorf("got attempt %d, want 1", acts[1].Attempt)
	}
	s, acts = run(t, s, Event{Kind: EvCaptured, Session: 1, Quality: 90})
	wantKinds(t, acts, ActShow, ActMatch)
	s, acts = run(t, s, Event{Kind: EvMatched, Session: 1, Matched: true})
	wantKinds(t, acts, ActShow, ActSignAndQueue)
	if acts[1].Record != RecordMatch {
		t.Errorf("got record kind %v, want match", acts[1].Record)
	}
	s, acts = run(t, s, queued(s, 1))
	if acts[0].Screen.ID != ScreenQR || acts[0].Screen.QRToken != "RT1:TOKEN" || acts[0].Screen.Remaining != 2*time.Minute {
		t.Errorf("QR screen: got %+v", acts[0].Screen)
	}
	// countdown: one redraw per second, none within the same second
	s2, acts := Step(s, Event{Kind: EvTick, At: s.Deadline.Add(-90 * time.Second)})
	wantKinds(t, acts, ActShow)
	if _, acts := Step(s2, Event{Kind: EvTick, At: s.Deadline.Add(-90*time.Second + 100*time.Millisecond)}); len(acts) != 0 {
		t.Errorf("redraw within the same second: %v", acts)
	}
	s, acts = run(t, s2, Event{Kind: EvConfirm})
	wantKinds(t, acts, ActWipe, ActShow)
	if s.Phase != PhaseDone {
		t.Fatalf("got %v, want done", s.Phase)
	}
	s, _ = run(t, s, Event{Kind: EvCardRemoved})
	if s.Phase != PhaseReady {
		t.Errorf("after removal: got %v, want ready", s.Phase)
	}
}

func TestRetries(t *testing.T) {
	t.Run("low quality then match", func(t *testing.T) {
		s := reach(t, PhaseCapturing, false)
		s, acts := run(t, s, Event{Kind: EvCaptured, Session: 1, Quality: 10})
		wantKinds(t, acts, ActShow, ActCapture)
		if acts[0].Screen.Quality != 10 || acts[1].Attempt != 2 {
			t.Errorf("got quality %d attempt %d, want 10 and 2", acts[0].Screen.Quality, acts[1].Attempt)
		}
		s, _ = run(t, s, Event{Kind: EvCaptured, Session: 1, Code: CodeNoFinger})
		if s.Session.Attempts != 3 || s.Phase != PhaseCapturing {
			t.Fatalf("no finger: got attempts %d phase %v", s.Session.Attempts, s.Phase)
		}
		s, _ = run(t, s, Event{Kind: EvCaptured, Session: 1, Quality: 70})
		if s.Phase != PhaseMatching {
			t.Fatalf("got %v, want matching", s.Phase)
		}
	})
	t.Run("no match after all attempts", func(t *testing.T) {
		s := reach(t, PhaseCapturing, false)
		for i := 1; i <= s.Cfg.MaxAttempts; i++ {
			s, _ = run(t, s, Event{Kind: EvCaptured, Session: 1, Quality: 70}, Event{Kind: EvMatched, Session: 1})
		}
		if s.Phase != PhaseError || s.Code != CodeNoMatch || !s.Session.ExceptionOK {
			t.Fatalf("got %v %s exception=%v, want error %s eligible", s.Phase, s.Code, s.Session.ExceptionOK, CodeNoMatch)
		}
	})
	t.Run("sensor failure", func(t *testing.T) {
		s := reach(t, PhaseCapturing, false)
		s, acts := run(t, s, Event{Kind: EvCaptured, Session: 1, Code: CodeSensor})
		if s.Phase != PhaseError || s.Code != CodeSensor || s.Session.ExceptionOK {
			t.Fatalf("got %v %s", s.Phase, s.Code)
		}
		wantKinds(t, acts, ActWipe, ActShow)
	})
}

func TestRefusalCapturesNothing(t *testing.T) {
	s := reach(t, PhaseConsent, false)
	s, acts := run(t, s, Event{Kind: EvRefuse})
	for _, a := range acts {
		if a.Kind == ActCapture || a.Kind == ActMatch || a.Kind == ActSignAndQueue {
			t.Errorf("refusal led to %v", a.Kind)
		}
	}
	wantKinds(t, acts, ActWipe, ActShow)
	if s.Code != CodeRefused {
		t.Errorf("got code %s, want %s", s.Code, CodeRefused)
	}
}

func TestOutboxFullBeforeCardRead(t *testing.T) {
	s := reach(t, PhaseReady, false)
	s, _ = run(t, s, Event{Kind: EvQueueStatus, Full: true, Depth: 100})
	s, acts := run(t, s, Event{Kind: EvCardInserted})
	for _, a := range acts {
		if a.Kind == ActReadCard {
			t.Fatal("card read while the outbox is full")
		}
	}
	if s.Phase != PhaseOutboxFull {
		t.Fatalf("got %v, want outbox-full", s.Phase)
	}
	s, acts = run(t, s, Event{Kind: EvQueueStatus, Full: false, Depth: 3})
	if s.Phase != PhaseReady || acts[0].Screen.ID != ScreenRemoveCard {
		t.Errorf("got %v %v, want ready asking to remove the card", s.Phase, acts)
	}
	s, acts = run(t, s, Event{Kind: EvConfirm})
	wantKinds(t, acts, ActShow, ActReadCard)
}

func TestQueueFailureShowsNoQR(t *testing.T) {
	s := reach(t, PhaseSigning, false)
	s, acts := run(t, s, Event{Kind: EvRecordQueued, Session: 1, Code: CodeOutboxFull})
	for _, a := range acts {
		if a.Screen.ID == ScreenQR {
			t.Fatal("QR shown for a record that was not queued")
		}
	}
	if s.Phase != PhaseError || !s.QueueFull {
		t.Fatalf("got %v full=%v", s.Phase, s.QueueFull)
	}
	s, _ = run(t, s, Event{Kind: EvConfirm})
	if s.Phase != PhaseOutboxFull {
		t.Errorf("after the error: got %v, want outbox-full", s.Phase)
	}
}

func TestExceptionRecord(t *testing.T) {
	s := reach(t, PhaseError, true)
	s, acts := run(t, s, Event{Kind: EvSupervisorApprove, Session: 1, Officer: "SUP-0001"})
	wantKinds(t, acts, ActShow, ActSignAndQueue)
	if acts[1].Record != RecordException || acts[1].Supervisor != "SUP-0001" {
		t.Errorf("got %+v, want an exception record by SUP-0001", acts[1])
	}
	// a second approval is not a second record
	if _, acts := run(t, s, Event{Kind: EvSupervisorApprove, Session: 1, Officer: "SUP-0001"}); len(acts) != 0 {
		t.Errorf("second approval: %v", acts)
	}
	t.Run("without supervisor", func(t *testing.T) {
		s := reach(t, PhaseError, true)
		if _, acts := run(t, s, Event{Kind: EvSupervisorApprove, Session: 1}); len(acts) != 0 {
			t.Errorf("approval without a supervisor id: %v", acts)
		}
	})
	t.Run("card removed first", func(t *testing.T) {
		s := reach(t, PhaseError, true)
		s, acts := run(t, s, Event{Kind: EvCardRemoved})
		wantKinds(t, acts, ActWipe, ActShow)
		if _, acts := run(t, s, Event{Kind: EvSupervisorApprove, Session: 1, Officer: "SUP-0001"}); len(acts) != 0 {
			t.Errorf("approval after the card left: %v", acts)
		}
	})
}

func TestOfficerLogoutMidSession(t *testing.T) {
	s := reach(t, PhaseMatching, false)
	s, acts := run(t, s, Event{Kind: EvOfficerLogout})
	wantKinds(t, acts, ActWipe, ActShow)
	if s.Phase != PhaseLoggedOut || s.Officer != "" {
		t.Errorf("got %v officer %q", s.Phase, s.Officer)
	}
}

func TestIdleLogout(t *testing.T) {
	s := reach(t, PhaseReady, false)
	s, _ = Step(s, Event{Kind: EvTick, At: s.Deadline.Add(time.Second)})
	if s.Phase != PhaseLoggedOut || s.Officer != "" {
		t.Errorf("got %v officer %q, want logged out", s.Phase, s.Officer)
	}
}

func TestStepDoesNotMutate(t *testing.T) {
	s := reach(t, PhaseShowQR, false)
	before := s
	Step(s, Event{Kind: EvConfirm, At: at(s)})
	if s != before {
		t.Error("Step modified its argument")
	}
}

func wantKinds(t *testing.T, acts []Action, kinds ...ActionKind) {
	t.Helper()
	var got, want []string
	for _, a := range acts {
		got = append(got, a.Kind.String())
	}
	for _, k := range kinds {
		want = append(want, k.String())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got actions %v, want %v", got, want)
	}
}

// TestStatusBar: queue depth and uplink changes redraw the shown screen
// (the renderer then sends only the bar); unchanged status draws nothing.
func TestStatusBar(t *testing.T) {
	s := reach(t, PhaseConsent, false)
	s, acts := Step(s, Event{Kind: EvQueueStatus, At: at(s), Depth: 3})
	wantKinds(t, acts, ActShow)
	if sc := acts[0].Screen; sc.ID != ScreenConsent || sc.QueueDepth != 3 || sc.NoticeVersion == "" {
		t.Errorf("got %+v, want the consent screen with depth 3", sc)
	}
	if _, acts := Step(s, Event{Kind: EvQueueStatus, At: at(s), Depth: 3}); len(acts) != 0 {
		t.Errorf("unchanged status redrew: %v", acts)
	}
	s, acts = Step(s, Event{Kind: EvUplink, At: at(s), Online: true})
	wantKinds(t, acts, ActShow)
	if !acts[0].Screen.Online || s.Phase != PhaseConsent {
		t.Errorf("got %+v in %v, want online on the consent screen", acts[0].Screen, s.Phase)
	}
}

// TestCardProgress: the bar only moves forward, within the session's read.
func TestCardProgress(t *testing.T) {
	s := reach(t, PhaseReadingCard, false)
	s, acts := Step(s, Event{Kind: EvCardProgress, At: at(s), Session: 1, Progress: 30})
	wantKinds(t, acts, ActShow)
	if sc := acts[0].Screen; sc.ID != ScreenReadingCard || sc.Progress != 30 {
		t.Errorf("got %+v, want reading-card at 30%%", sc)
	}
	for _, e := range []Event{
		{Kind: EvCardProgress, Session: 1, Progress: 20},  // backwards
		{Kind: EvCardProgress, Session: 2, Progress: 90},  // another session
		{Kind: EvCardProgress, Session: 1, Progress: 300}, // nonsense
	} {
		e.At = at(s)
		if _, acts := Step(s, e); len(acts) != 0 {
			t.Errorf("%+v: got %v, want ignored", e, acts)
		}
	}
	s, _ = Step(s, Event{Kind: EvCardRead, At: at(s), Session: 1})
	if s.Phase != PhaseConsent {
		t.Fatalf("got %v", s.Phase)
	}
	if _, acts := Step(s, Event{Kind: EvCardProgress, At: at(s), Session: 1, Progress: 99}); len(acts) != 0 {
		t.Errorf("progress after the read redrew: %v", acts)
	}
}

package enroll

import "time"

// Step is the machine: it returns the state after e and the actions to run.
// It has no side effects; s is not modified. Result events of another
// session than the current one are ignored, as are events a phase does not
// expect (each such case is listed in the tests).
func Step(s State, e Event) (State, []Action) {
	m := &machine{s: s, e: e}
	m.step()
	return m.s, m.acts
}

type machine struct {
	s    State
	e    Event
	acts []Action
}

func (m *machine) emit(a Action) { m.acts = append(m.acts, a) }

// screen returns a screen of id with the status bar filled in.
func (m *machine) screen(id ScreenID) Screen {
	return Screen{ID: id, Officer: m.s.Officer, QueueDepth: m.s.QueueDepth, Online: m.s.Online, Quality: -1}
}

func (m *machine) show(sc Screen) {
	m.s.Shown = sc
	m.emit(Action{Kind: ActShow, Screen: sc})
}

// restatus redraws the shown screen when its status bar changed.
func (m *machine) restatus() {
	sc := m.s.Shown
	if sc.Online == m.s.Online && sc.QueueDepth == m.s.QueueDepth && sc.Officer == m.s.Officer {
		return
	}
	sc.Online, sc.QueueDepth, sc.Officer = m.s.Online, m.s.QueueDepth, m.s.Officer
	m.show(sc)
}

func (m *machine) enter(p Phase, timeout time.Duration) {
	m.s.Phase = p
	m.s.Deadline = m.e.At.Add(timeout)
}

// current reports whether a result event belongs to the current session.
func (m *machine) current() bool { return m.e.Session != 0 && m.e.Session == m.s.Session.ID }

func (m *machine) step() {
	e := m.e
	// Bookkeeping every phase does.
	switch e.Kind {
	case EvCardInserted:
		m.s.CardPresent = true
	case EvCardRemoved:
		m.s.CardPresent = false
	case EvUplink:
		m.s.Online = e.Online
		m.restatus()
		return
	case EvQueueStatus:
		m.s.QueueFull, m.s.QueueDepth = e.Full, e.Depth
		defer func() {
			if len(m.acts) == 0 { // no transition: keep the status bar true
				m.restatus()
			}
		}()
	case EvOfficerLogout:
		if m.s.Phase != PhaseLoggedOut {
			m.endSession()
			m.loggedOut()
		}
		return
	}
	timedOut := e.Kind == EvTick && !m.s.Deadline.IsZero() && !e.At.Before(m.s.Deadline)

	switch m.s.Phase {
	case PhaseLoggedOut:
		switch {
		case e.Kind == EvOfficerLogin && e.Officer != "":
			m.s.Officer = e.Officer
			m.ready()
		case timedOut:
			m.loggedOut()
		}

	case PhaseReady:
		switch {
		case e.Kind == EvCardInserted, e.Kind == EvConfirm && m.s.CardPresent:
			m.startSession()
		case e.Kind == EvQueueStatus && e.Full:
			m.outboxFull()
		case timedOut: // officer idle
			m.s.Officer = ""
			m.loggedOut()
		}

	case PhaseReadingCard:
		switch {
		case e.Kind == EvCardProgress && m.current():
			if e.Progress > m.s.Shown.Progress && e.Progress <= 100 {
				sc := m.s.Shown
				sc.Progress = e.Progress
				m.show(sc) // the renderer sends only the bar
			}
		case e.Kind == EvCardRead && m.current():
			if e.Code != "" {
				m.fail(e.Code, false)
				return
			}
			m.enter(PhaseConsent, m.s.Cfg.ConsentTimeout)
			sc := m.screen(ScreenConsent)
			sc.NoticeVersion = m.s.Cfg.NoticeVersion
			m.show(sc)
		default:
			m.sessionExits(timedOut)
		}

	case PhaseConsent:
		switch {
		case e.Kind == EvConfirm:
			m.capture()
		case e.Kind == EvRefuse:
			m.fail(CodeRefused, false)
		default:
			m.sessionExits(timedOut)
		}

	case PhaseCapturing:
		switch {
		case e.Kind == EvCaptured && m.current():
			m.s.Session.Quality = e.Quality
			switch {
			case e.Code == "" && e.Quality >= m.s.Cfg.QualityGate:
				m.enter(PhaseMatching, m.s.Cfg.MatchTimeout)
				m.show(m.screen(ScreenMatching))
				m.emit(Action{Kind: ActMatch, Session: m.s.Session.ID, Deadline: m.s.Deadline})
			case e.Code == "" || e.Code == CodeNoFinger:
				if m.s.Session.Attempts < m.s.Cfg.MaxAttempts {
					m.capture()
				} else {
					m.fail(CodeCaptureFailed, true)
				}
			default: // the sensor failed
				m.fail(e.Code, false)
			}
		default:
			m.sessionExits(timedOut)
		}

	case PhaseMatching:
		switch {
		case e.Kind == EvMatched && m.current():
			switch {
			case e.Code != "":
				m.fail(e.Code, false)
			case e.Matched:
				m.s.Session.Matched = true
				m.sign(RecordMatch, "")
			case m.s.Session.Attempts < m.s.Cfg.MaxAttempts:
				m.capture()
			default:
				m.fail(CodeNoMatch, true)
			}
		default:
			m.sessionExits(timedOut)
		}

	case PhaseSigning:
		// The record is in flight: card removal and cancel wait for it.
		switch {
		case e.Kind == EvRecordQueued && m.current():
			if e.Code != "" {
				if e.Code == CodeOutboxFull {
					m.s.QueueFull = true
				}
				m.fail(e.Code, false)
				return
			}
			if e.Token == "" || !e.Expires.After(e.At) {
				m.fail(CodeSign, false) // an executor bug: never show a dead QR
				return
			}
			m.s.Session.Token, m.s.Session.Expires = e.Token, e.Expires
			m.s.Phase, m.s.Deadline = PhaseShowQR, e.Expires
			m.s.shownSecs = -1
			m.showQR()
		case timedOut:
			m.fail(CodeTimeout, false)
		}

	case PhaseShowQR:
		switch {
		case timedOut:
			m.fail(CodeQRExpired, false)
		case e.Kind == EvTick:
			m.showQR() // countdown: redraws only when the second changes
		case e.Kind == EvConfirm: // the officer saw the app scan it
			m.endSession()
			m.enter(PhaseDone, m.s.Cfg.ResultTimeout)
			m.show(m.screen(ScreenDone))
		case e.Kind == EvCancel:
			m.fail(CodeCancelled, false)
		case e.Kind == EvCardInserted: // another card while a QR is shown
			m.fail(CodeCardRemoved, false)
		}

	case PhaseDone:
		switch {
		case timedOut, e.Kind == EvConfirm, e.Kind == EvCardRemoved:
			m.ready()
		case e.Kind == EvCardInserted:
			m.ready()
			if m.s.Phase == PhaseReady {
				m.startSession()
			}
		}

	case PhaseError:
		switch {
		case e.Kind == EvSupervisorApprove && m.s.Session.ExceptionOK && m.current() && e.Officer != "" && m.s.CardPresent:
			m.s.Session.ExceptionOK = false
			m.sign(RecordException, e.Officer)
		case timedOut, e.Kind == EvConfirm, e.Kind == EvCardRemoved:
			m.endSession()
			m.ready()
		case e.Kind == EvCardInserted:
			m.endSession()
			m.ready()
			if m.s.Phase == PhaseReady {
				m.startSession()
			}
		}

	case PhaseOutboxFull:
		switch {
		case e.Kind == EvQueueStatus && !e.Full:
			m.ready()
		case timedOut, e.Kind == EvCardInserted:
			m.outboxFull()
		}
	}
}

// sessionExits handles what ends a session before the record is signed:
// the card leaving or changing, officer cancel, and the phase timeout.
func (m *machine) sessionExits(timedOut bool) {
	switch {
	case m.e.Kind == EvCardRemoved, m.e.Kind == EvCardInserted:
		m.fail(CodeCardRemoved, false)
	case m.e.Kind == EvCancel:
		m.fail(CodeCancelled, false)
	case timedOut:
		m.fail(CodeTimeout, false)
	}
}

func (m *machine) loggedOut() {
	m.s.Officer = ""
	m.s.Code = ""
	m.enter(PhaseLoggedOut, m.s.Cfg.RecheckPeriod)
	m.show(m.screen(ScreenLogin))
}

func (m *machine) ready() {
	m.s.Code = ""
	if m.s.QueueFull {
		m.outboxFull()
		return
	}
	m.enter(PhaseReady, m.s.Cfg.IdleTimeout)
	if m.s.CardPresent {
		m.show(m.screen(ScreenRemoveCard))
	} else {
		m.show(m.screen(ScreenReady))
	}
}

func (m *machine) outboxFull() {
	m.enter(PhaseOutboxFull, m.s.Cfg.RecheckPeriod)
	sc := m.screen(ScreenOutboxFull)
	sc.Code = CodeOutboxFull
	m.show(sc)
}

// startSession begins a citizen's session; the queue was checked for room
// before this (Ready goes to OutboxFull otherwise), so a citizen never gets
// a QR whose record could not be queued.
func (m *machine) startSession() {
	if m.s.QueueFull {
		m.outboxFull()
		return
	}
	m.s.Session = Session{ID: m.s.NextSession, Quality: -1}
	m.s.NextSession++
	m.enter(PhaseReadingCard, m.s.Cfg.ReadTimeout)
	m.show(m.screen(ScreenReadingCard))
	m.emit(Action{Kind: ActReadCard, Session: m.s.Session.ID, Deadline: m.s.Deadline})
}

func (m *machine) capture() {
	m.s.Session.Attempts++
	// The executor's capture has its own deadline; the phase's is a net.
	m.enter(PhaseCapturing, m.s.Cfg.CaptureTimeout+m.s.Cfg.MatchTimeout)
	sc := m.screen(ScreenPlaceFinger)
	sc.Attempt, sc.MaxAttempts, sc.Quality = m.s.Session.Attempts, m.s.Cfg.MaxAttempts, m.s.Session.Quality
	m.show(sc)
	m.emit(Action{Kind: ActCapture, Session: m.s.Session.ID, Attempt: m.s.Session.Attempts,
		Deadline: m.e.At.Add(m.s.Cfg.CaptureTimeout)})
}

func (m *machine) sign(kind RecordKind, supervisor string) {
	m.enter(PhaseSigning, m.s.Cfg.SignTimeout)
	m.show(m.screen(ScreenSigning))
	m.emit(Action{Kind: ActSignAndQueue, Session: m.s.Session.ID, Record: kind, Supervisor: supervisor, Deadline: m.s.Deadline})
}

func (m *machine) showQR() {
	left := m.s.Session.Expires.Sub(m.e.At)
	secs := int((left + time.Second - 1) / time.Second)
	if secs == m.s.shownSecs {
		return
	}
	m.s.shownSecs = secs
	sc := m.screen(ScreenQR)
	sc.QRToken, sc.Expires, sc.Remaining = m.s.Session.Token, m.s.Session.Expires, left
	m.show(sc)
}

// fail ends the current session with code. When exception is set the
// session's data is kept on the error screen so a supervisor can approve an
// exception record; it is wiped when the error screen is left.
func (m *machine) fail(code string, exception bool) {
	if exception {
		m.s.Session.ExceptionOK = true
	} else {
		m.endSession()
	}
	m.s.Code = code
	m.enter(PhaseError, m.s.Cfg.ResultTimeout)
	sc := m.screen(ScreenError)
	sc.Code = code
	m.show(sc)
}

// endSession wipes the current session's data once.
func (m *machine) endSession() {
	if m.s.Session.ID != 0 && !m.s.Session.wiped {
		m.s.Session.wiped = true
		m.s.Session.ExceptionOK = false
		m.emit(Action{Kind: ActWipe, Session: m.s.Session.ID})
	}
}

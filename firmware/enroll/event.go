package enroll

import (
	"fmt"
	"time"
)

// EventKind says what happened.
type EventKind int

// Events. Result events (CardRead, Captured, Matched, RecordQueued) carry
// the Session they belong to.
const (
	EvTick              EventKind = iota // the clock advanced to At
	EvOfficerLogin                       // Officer logged in (card/finger + PIN checked elsewhere)
	EvOfficerLogout                      // officer logged out
	EvCardInserted                       // a card entered the reader
	EvCardRemoved                        // the card left the reader
	EvCardRead                           // result of ActReadCard: Code "" or an error code
	EvConfirm                            // officer pressed confirm
	EvRefuse                             // the citizen refused consent (cancel on the consent screen)
	EvCancel                             // officer pressed cancel
	EvCaptured                           // result of ActCapture: Quality, Code
	EvMatched                            // result of ActMatch: Matched, Code
	EvRecordQueued                       // result of ActSignAndQueue: Token, Expires, Code
	EvQueueStatus                        // the outbox has room (Full false) or not, Depth
	EvSupervisorApprove                  // a supervisor approved an exception
	EvUplink                             // uplink Online or not
	EvCardProgress                       // ActReadCard of Session is Progress percent done
	numEventKinds
)

var eventNames = [...]string{"tick", "officer-login", "officer-logout", "card-inserted",
	"card-removed", "card-read", "confirm", "refuse", "cancel", "captured", "matched",
	"record-queued", "queue-status", "supervisor-approve", "uplink", "card-progress"}

func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// CodeNoFinger is the Code of an EvCaptured whose attempt saw no finger
// before the capture timeout; the attempt counts, the session goes on.
const CodeNoFinger = "nofinger"

// Event is an input of the machine.
type Event struct {
	Kind    EventKind
	At      time.Time
	Session uint64 // result events: the session of the action
	Code    string // result events: "" for success, else an error code
	Officer string // EvOfficerLogin; EvSupervisorApprove: the supervisor
	Quality int    // EvCaptured
	Matched bool   // EvMatched
	Token   string // EvRecordQueued
	Expires time.Time
	Full    bool // EvQueueStatus
	Depth   int  // EvQueueStatus
	Online  bool // EvUplink
	// Progress is the percent done of EvCardProgress.
	Progress int
}

// ActionKind says what the executor must do.
type ActionKind int

// Actions.
const (
	ActShow         ActionKind = iota // draw Screen
	ActReadCard                       // read and check the card for Session
	ActCapture                        // capture attempt Attempt for Session
	ActMatch                          // match the best capture of Session against its reference
	ActSignAndQueue                   // build, sign and queue Session's record of kind Record
	ActWipe                           // overwrite everything Session holds (card data, images, templates)
	numActionKinds
)

var actionNames = [...]string{"show", "read-card", "capture", "match", "sign-and-queue", "wipe"}

func (k ActionKind) String() string {
	if k >= 0 && int(k) < len(actionNames) {
		return actionNames[k]
	}
	return fmt.Sprintf("action(%d)", int(k))
}

// RecordKind is the kind of record ActSignAndQueue produces.
type RecordKind int

// Record kinds.
const (
	RecordMatch     RecordKind = 1 // after a successful match
	RecordException RecordKind = 2 // approved by a supervisor, without a match
)

// Action is an output of the machine.
type Action struct {
	Kind       ActionKind
	Session    uint64
	Screen     Screen     // ActShow
	Attempt    int        // ActCapture, 1-based
	Record     RecordKind // ActSignAndQueue
	Supervisor string     // ActSignAndQueue of RecordException
	Deadline   time.Time  // the action's own deadline
}

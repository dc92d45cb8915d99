package uplink

import (
	"errors"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// API paths and media types.
const (
	PathRecords   = "/v1/records"
	PathHeartbeat = "/v1/heartbeat"
	// PathReference is the reference of a citizen: "/v1/citizens/" + id +
	// "/reference".
	PathReference = "/v1/citizens/{id}/reference"
	// PathTerminalRecords lists what the registry stored of a terminal
	// (inspection).
	PathTerminalRecords = "/v1/terminals/{id}/records"

	MediaCBOR = "application/cbor"
	MediaJSON = "application/json"
	MediaCOSE = `application/cose; cose-type="cose-sign1"`
)

// Limits of the records endpoint.
const (
	MaxBatch       = 500      // records per POST /v1/records
	MaxRecordBytes = 64 << 10 // bytes per record
	MaxBatchBytes  = 8 << 20  // bytes per request body
)

// ErrBatch means a records request body is not a CBOR array of byte
// strings within the limits.
var ErrBatch = errors.New("uplink: bad record batch")

// Status is the registry's verdict on one record.
type Status string

// Record statuses.
const (
	// Accepted: stored now.
	Accepted Status = "accepted"
	// Duplicate: the same record (same id, same bytes) was stored before.
	Duplicate Status = "duplicate"
	// Rejected: refused for good (Reason says why); sending it again gives
	// the same answer.
	Rejected Status = "rejected"
)

// Result is the answer for one record, in request order.
type Result struct {
	ID     string `json:"id,omitempty"` // terminal/epoch/seq when the record decoded
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// RecordsAnswer is the answer of POST /v1/records.
type RecordsAnswer struct {
	Time    time.Time `json:"time"` // the registry's clock
	Results []Result  `json:"results"`
	// RTT is how long the request took (not on the wire).
	RTT time.Duration `json:"-"`
}

// Heartbeat is what a terminal reports on each sync cycle.
type Heartbeat struct {
	Terminal string            `json:"terminal"`
	Time     time.Time         `json:"time"` // the terminal's trusted time
	Versions map[string]string `json:"versions,omitempty"`
	Health   map[string]string `json:"health,omitempty"` // component -> "ok" or the problem
	// Queue: records waiting, age of the oldest, dead letters, last sync.
	QueueDepth       int       `json:"queue_depth"`
	OldestAgeSeconds float64   `json:"oldest_age_seconds"`
	DeadLetters      int       `json:"dead_letters"`
	LastSync         time.Time `json:"last_sync,omitzero"`
	// ClockOffsetMillis is the registry's clock minus the terminal's RTC
	// at the previous answer.
	ClockOffsetMillis int64 `json:"clock_offset_ms"`
	// Alarms are conditions a technician must see (quarantined queue file).
	Alarms []string `json:"alarms,omitempty"`
}

// HeartbeatAnswer is the answer of POST /v1/heartbeat.
type HeartbeatAnswer struct {
	Time time.Time     `json:"time"`
	RTT  time.Duration `json:"-"`
}

// ErrorAnswer is the body of every non-2xx JSON answer.
type ErrorAnswer struct {
	Error string    `json:"error"`
	Time  time.Time `json:"time"`
}

// StoredRecord is one entry of GET /v1/terminals/{id}/records.
type StoredRecord struct {
	ID     string    `json:"id"`
	Epoch  uint64    `json:"epoch"`
	Seq    uint64    `json:"seq"`
	Stored time.Time `json:"stored"`
	COSE   []byte    `json:"cose"` // base64 in JSON
}

var batchDec cbor.DecMode

func init() {
	var err error
	batchDec, err = cbor.DecOptions{
		MaxArrayElements: MaxBatch,
		MaxNestedLevels:  4,
		IndefLength:      cbor.IndefLengthForbidden,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// EncodeBatch encodes records as the body of POST /v1/records: a CBOR
// array of byte strings.
func EncodeBatch(records [][]byte) ([]byte, error) {
	if len(records) == 0 || len(records) > MaxBatch {
		return nil, fmt.Errorf("%w: %d records (1..%d)", ErrBatch, len(records), MaxBatch)
	}
	b, err := cbor.Marshal(records)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBatch, err)
	}
	return b, nil
}

// DecodeBatch decodes the body of POST /v1/records.
func DecodeBatch(b []byte) ([][]byte, error) {
	if len(b) > MaxBatchBytes {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrBatch, len(b), MaxBatchBytes)
	}
	var recs [][]byte
	if err := batchDec.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBatch, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBatch)
	}
	for i, r := range recs {
		if len(r) == 0 || len(r) > MaxRecordBytes {
			return nil, fmt.Errorf("%w: record %d: %d bytes (1..%d)", ErrBatch, i, len(r), MaxRecordBytes)
		}
	}
	return recs, nil
}

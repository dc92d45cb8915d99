package record

import (
	"cmp"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// AnomalyKind classifies what a chain check found.
type AnomalyKind uint8

// Anomaly kinds.
const (
	// Malformed: the bytes are not a record (ErrMalformed).
	Malformed AnomalyKind = iota + 1
	// BadSignature: the signature does not verify with the record's key.
	// The record is not used for the chain.
	BadSignature
	// UnknownKey: the record's key id is not in the key set; the chain is
	// still checked (hashes need no key) but the record is not
	// authenticated.
	UnknownKey
	// UnknownVersion: the schema version is newer than this reader knows;
	// the record is verified and chained like the others.
	UnknownVersion
	// Duplicate: the same record (same bytes) arrived again: a replay or a
	// resend.
	Duplicate
	// Conflict: a different record with the same id: the chain forked.
	Conflict
	// Gap: records are missing below the highest sequence seen of a chain
	// (Missing says which); reported by Gaps, not Add.
	Gap
	// Reordered: a record arrived after one with a higher sequence.
	Reordered
	// BrokenChain: a record's Prev is not the hash of its predecessor (or
	// the first record of an epoch does not point at zeros).
	BrokenChain
)

var anomalyNames = [...]string{
	Malformed: "malformed", BadSignature: "bad signature", UnknownKey: "unknown key",
	UnknownVersion: "unknown version", Duplicate: "duplicate", Conflict: "conflict",
	Gap: "gap", Reordered: "reordered", BrokenChain: "broken chain",
}

func (k AnomalyKind) String() string {
	if int(k) < len(anomalyNames) && anomalyNames[k] != "" {
		return anomalyNames[k]
	}
	return fmt.Sprintf("anomaly(%d)", uint8(k))
}

// Anomaly is one finding of a chain check.
type Anomaly struct {
	Kind AnomalyKind
	// Index is the position (0-based, in the order Add saw them) of the
	// record the anomaly was found at; -1 for gaps.
	Index int
	// ID is that record's id (zero when Malformed).
	ID ID
	// Missing is the missing sequence range [First, Last] of a Gap.
	Missing struct{ First, Last uint64 }
	// Err is the verification error of Malformed and BadSignature.
	Err error
}

func (a Anomaly) String() string {
	switch a.Kind {
	case Gap:
		return fmt.Sprintf("%v: %s/%d: seq %d..%d missing", a.Kind, a.ID.Terminal, a.ID.Epoch, a.Missing.First, a.Missing.Last)
	case Malformed, BadSignature:
		return fmt.Sprintf("%v at #%d %v: %v", a.Kind, a.Index, a.ID, a.Err)
	}
	return fmt.Sprintf("%v at #%d %v", a.Kind, a.Index, a.ID)
}

// Keys finds the public key of a key id, nil when unknown.
type Keys func(keyID [32]byte) crypto.PublicKey

// Checker checks records as they arrive at the registry, in any order:
// signatures, and per terminal and epoch the sequence (gaps, duplicates,
// reordering, forks) and the hash chain. It keeps the hash of every record
// it saw. Not safe for concurrent use.
type Checker struct {
	keys   Keys
	n      int
	chains map[chainKey]*chain
}

type chainKey struct {
	terminal string
	epoch    uint64
}

type link struct {
	hash, prev [32]byte
	index      int
}

type chain struct {
	links map[uint64]link
	max   uint64
}

// NewChecker returns a Checker that looks keys up with keys (nil: every
// key unknown).
func NewChecker(keys Keys) *Checker {
	if keys == nil {
		keys = func([32]byte) crypto.PublicKey { return nil }
	}
	return &Checker{keys: keys, chains: map[chainKey]*chain{}}
}

// Add checks the next record and returns it (nil when malformed or badly
// signed) with the anomalies it shows.
func (c *Checker) Add(b []byte) (*Record, []Anomaly) {
	idx := c.n
	c.n++
	_, r, err := Decode(b)
	if err != nil {
		return nil, []Anomaly{{Kind: Malformed, Index: idx, Err: err}}
	}
	var out []Anomaly
	at := func(k AnomalyKind) Anomaly { return Anomaly{Kind: k, Index: idx, ID: r.ID} }
	if pub := c.keys([32]byte(r.KeyID)); pub == nil {
		out = append(out, at(UnknownKey))
	} else if _, err := Verify(b, pub); err != nil && !errors.Is(err, ErrUnknownVersion) {
		a := at(BadSignature)
		a.Err = err
		return nil, append(out, a)
	}
	if r.Version > Version {
		out = append(out, at(UnknownVersion))
	}

	ck := chainKey{r.ID.Terminal, r.ID.Epoch}
	ch := c.chains[ck]
	if ch == nil {
		ch = &chain{links: map[uint64]link{}}
		c.chains[ck] = ch
	}
	seq := r.ID.Seq
	l := link{hash: Hash(b), prev: [32]byte(r.Prev), index: idx}
	if old, ok := ch.links[seq]; ok {
		if old.hash == l.hash {
			return r, append(out, at(Duplicate))
		}
		// Keep the first; the second is reported and not chained.
		return r, append(out, at(Conflict))
	}
	ch.links[seq] = l
	if seq < ch.max {
		out = append(out, at(Reordered))
	}
	ch.max = max(ch.max, seq)
	// The link to the predecessor, and the successor's link to this one.
	if seq == 1 && l.prev != ([32]byte{}) {
		out = append(out, at(BrokenChain))
	}
	if p, ok := ch.links[seq-1]; ok && seq > 1 && p.hash != l.prev {
		out = append(out, at(BrokenChain))
	}
	if n, ok := ch.links[seq+1]; ok && n.prev != l.hash {
		a := at(BrokenChain)
		a.Index, a.ID.Seq = n.index, seq+1
		out = append(out, a)
	}
	return r, out
}

// Gaps reports the gaps open now: sequences below the highest one seen of
// each chain that have not arrived (a record arriving later closes its
// gap and is reported Reordered). Sorted by terminal, epoch, sequence.
func (c *Checker) Gaps() []Anomaly {
	var out []Anomaly
	for ck, ch := range c.chains {
		var first uint64
		for s := uint64(1); s <= ch.max+1; s++ {
			_, ok := ch.links[s]
			switch {
			case !ok && first == 0 && s <= ch.max:
				first = s
			case (ok || s > ch.max) && first != 0:
				a := Anomaly{Kind: Gap, Index: -1, ID: ID{Terminal: ck.terminal, Epoch: ck.epoch}}
				a.Missing.First, a.Missing.Last = first, s-1
				out = append(out, a)
				first = 0
			}
		}
	}
	sortAnomalies(out)
	return out
}

// CheckChain checks a batch of records in the order given and returns
// every anomaly, open gaps included.
func CheckChain(records [][]byte, keys Keys) []Anomaly {
	c := NewChecker(keys)
	var out []Anomaly
	for _, b := range records {
		_, a := c.Add(b)
		out = append(out, a...)
	}
	return append(out, c.Gaps()...)
}

func sortAnomalies(a []Anomaly) {
	slices.SortFunc(a, func(x, y Anomaly) int {
		return cmp.Or(strings.Compare(x.ID.Terminal, y.ID.Terminal),
			cmp.Compare(x.ID.Epoch, y.ID.Epoch), cmp.Compare(x.Missing.First, y.Missing.First))
	})
}

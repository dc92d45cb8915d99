package biometric

import (
	"math"
	"sync"
)

// Gallery is a small set of enrolled templates searched 1:N, such as the
// office's officers. It is safe for concurrent use.
type Gallery struct {
	mu      sync.RWMutex
	ids     []string
	entries []*Prepared
}

// Candidate is one gallery entry and its score against a probe.
type Candidate struct {
	ID    string
	Score float64
}

// Add prepares t and adds it under id, replacing an entry with the same id.
func (g *Gallery) Add(id string, t *Template) {
	p := Prepare(t)
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, x := range g.ids {
		if x == id {
			g.entries[i].Wipe()
			g.entries[i] = p
			return
		}
	}
	g.ids = append(g.ids, id)
	g.entries = append(g.entries, p)
}

// Remove deletes (and wipes) the entry id; it reports whether it existed.
func (g *Gallery) Remove(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, x := range g.ids {
		if x == id {
			g.entries[i].Wipe()
			g.ids = append(g.ids[:i], g.ids[i+1:]...)
			g.entries = append(g.entries[:i], g.entries[i+1:]...)
			return true
		}
	}
	return false
}

// Len is the number of entries.
func (g *Gallery) Len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.ids)
}

// Size is the memory the entries hold, in bytes.
func (g *Gallery) Size() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	n := 0
	for i, p := range g.entries {
		n += p.Size() + len(g.ids[i]) + 24
	}
	return n
}

// Threshold is the score threshold for a 1:N search of this gallery with
// an overall false-match rate fmr: every entry is a chance to match
// falsely, so each comparison must meet fmr/N.
func (g *Gallery) Threshold(fmr float64) float64 {
	n := max(1, g.Len())
	return ThresholdForFMR(fmr) + 10*math.Log10(float64(n))
}

// Identify compares probe with every entry and returns the best one if
// its score reaches threshold.
func (g *Gallery) Identify(probe *Prepared, threshold float64) (Candidate, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if len(g.entries) == 0 {
		return Candidate{}, false
	}
	best := Candidate{Score: -1}
	for i, p := range g.entries {
		if s := probe.Match(p); s > best.Score {
			best = Candidate{g.ids[i], s}
		}
	}
	if best.Score < threshold {
		return Candidate{}, false
	}
	return best, true
}

// Wipe overwrites p's minutiae and cylinders (biometric data is held for
// as short as possible); p then matches nothing. p must not be in use by
// a concurrent Match.
func (p *Prepared) Wipe() {
	if p == nil {
		return
	}
	for i := range p.min {
		p.min[i] = pmin{}
	}
	for i := range p.cyl {
		p.cyl[i] = cylinder{}
	}
	for i := range p.hull {
		p.hull[i] = pt{}
	}
	p.min, p.cyl, p.hull = p.min[:0], p.cyl[:0], p.hull[:0]
	if p.area != nil {
		clear(p.area.bits)
		p.area = nil
	}
	if p.flow != nil {
		clear(p.flow.dir)
		clear(p.flow.lper)
		p.flow = nil
	}
}

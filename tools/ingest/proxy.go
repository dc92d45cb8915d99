package ingest

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// ProxyFaults are the TCP-level faults a Proxy injects. Probabilities are
// per connection (Drop) or per chunk of bytes forwarded (the others).
type ProxyFaults struct {
	// Drop closes a new connection at once.
	Drop float64
	// Reset resets both sides while forwarding (request or answer lost
	// half way).
	Reset float64
	// LoseAnswer resets both sides instead of forwarding bytes from the
	// server: the server has done the work, the client never hears.
	LoseAnswer float64
	// LoseAnswerEvery > 0 also loses every n-th chunk from the server
	// (deterministic faults for tests).
	LoseAnswerEvery int
	// Delay is added to each chunk with probability DelayP.
	Delay  time.Duration
	DelayP float64
	Seed   uint64
}

// Proxy forwards TCP connections to a target, injecting faults. TLS runs
// end to end through it.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	faults ProxyFaults
	dice   *rand.Rand
	conns  map[net.Conn]bool
	closed bool
	chunks int // from servers
	wg     sync.WaitGroup
	stats  ProxyStats
}

// ProxyStats count what a Proxy did.
type ProxyStats struct {
	Conns   int // connections accepted
	Dropped int // closed at once (Drop)
	Resets  int // ended by a reset (Reset, or a side failing)
	Lost    int // answers lost (LoseAnswer, LoseAnswerEvery)
}

// Stats returns the proxy's counters.
func (p *Proxy) Stats() ProxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// NewProxy listens on listen and forwards to target.
func NewProxy(listen, target string, f ProxyFaults) (*Proxy, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.SetFaults(f)
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's listening address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetFaults replaces the faults (zero: a plain proxy).
func (p *Proxy) SetFaults(f ProxyFaults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
	seed := f.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	p.dice = rand.New(rand.NewPCG(seed, ^seed))
}

func (p *Proxy) roll(prob float64) bool {
	if prob <= 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dice.Float64() < prob
}

// every counts a chunk from a server and reports whether it is the n-th.
func (p *Proxy) every(n int) bool {
	if n <= 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.chunks++
	return p.chunks%n == 0
}

// Close stops the proxy and its connections.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn, on bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		if p.closed {
			return false
		}
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.stats.Conns++
		f := p.faults
		p.mu.Unlock()
		if p.roll(f.Drop) {
			p.mu.Lock()
			p.stats.Dropped++
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func rst(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(client, true) || !p.track(server, true) {
		client.Close()
		server.Close()
		return
	}
	defer p.track(client, false)
	defer p.track(server, false)
	var once sync.Once
	kill := func(lost bool) {
		once.Do(func() {
			p.mu.Lock()
			if lost {
				p.stats.Lost++
			} else {
				p.stats.Resets++
			}
			p.mu.Unlock()
			rst(client)
			rst(server)
		})
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn, answer bool) {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 16<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				p.mu.Lock()
				f := p.faults
				p.mu.Unlock()
				if p.roll(f.DelayP) {
					time.Sleep(f.Delay)
				}
				if p.roll(f.Reset) {
					kill(false)
					return
				}
				if answer && (p.roll(f.LoseAnswer) || p.every(f.LoseAnswerEvery)) {
					kill(true)
					return
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					kill(false)
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					if tc, ok := dst.(*net.TCPConn); ok {
						tc.CloseWrite()
						return
					}
				}
				kill(false)
				return
			}
		}
	}
	go pipe(server, client, false)
	go pipe(client, server, true)
	<-done
	<-done
	client.Close()
	server.Close()
}

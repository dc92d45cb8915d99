package ingest

import (
	"bufio"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/regterm/regterm/firmware/uplink"
)

// Faults are the failures the server injects into POST /v1/records (Delay
// applies to every request). Probabilities are in [0, 1].
type Faults struct {
	Delay time.Duration // before answering
	// Error500 answers 500 without storing.
	Error500 float64
	// Unavailable answers 503 with Retry-After: RetryAfter seconds.
	Unavailable float64
	RetryAfter  int
	// Reset resets the connection without storing.
	Reset float64
	// DropAfterStore stores the batch, then resets the connection.
	DropAfterStore float64
	// DuplicateAnswer stores the batch and writes its answer twice on the
	// connection.
	DuplicateAnswer float64
	// Seed seeds the fault dice (0: random).
	Seed uint64
}

// Opts configures a Server.
type Opts struct {
	// Dir holds ingest.db, the CA and the server certificate.
	Dir string
	// Hosts are extra names or addresses for the server certificate.
	Hosts  []string
	Faults Faults
	Now    func() time.Time
	Log    *slog.Logger
}

// Server is the reference registry endpoint.
type Server struct {
	opts Opts
	db   *bolt.DB
	ca   *CA
	cert tls.Certificate

	mu     sync.Mutex
	faults Faults
	dice   *rand.Rand
	srv    *http.Server
	ln     net.Listener
	url    string
	stats  ServerStats
}

// ServerStats count what the server did.
type ServerStats struct {
	Requests, Accepted, Duplicates, Rejected, Heartbeats uint64
	Faults                                               uint64
}

func dbPath(dir string) string { return filepath.Join(dir, "ingest.db") }

// Open opens (creating) the data directory. Start serves it.
func Open(o Opts) (*Server, error) {
	if o.Dir == "" {
		return nil, errors.New("ingest: no data directory")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	ca, err := LoadOrCreateCA(o.Dir, o.Now)
	if err != nil {
		return nil, err
	}
	cert, err := ca.ServerCertificate(o.Dir, o.Hosts...)
	if err != nil {
		return nil, err
	}
	db, err := bolt.Open(dbPath(o.Dir), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("ingest: open %s: %w", dbPath(o.Dir), err)
	}
	if err := initDB(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("ingest: init: %w", err)
	}
	s := &Server{opts: o, db: db, ca: ca, cert: cert}
	s.SetFaults(o.Faults)
	return s, nil
}

// CA is the server's certificate authority.
func (s *Server) CA() *CA { return s.ca }

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	seed := f.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.dice = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Stats returns the server's counters.
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// IssueTerminal issues terminal id a client certificate for pub (valid
// for validity) and registers the key, so its records verify even before
// it first connects.
func (s *Server) IssueTerminal(id string, pub crypto.PublicKey, validity time.Duration) ([][]byte, error) {
	chain, err := s.ca.IssueTerminal(id, pub, validity)
	if err != nil {
		return nil, err
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return putKey(tx, id, pub) }); err != nil {
		return nil, fmt.Errorf("ingest: issue %s: %w", id, err)
	}
	return chain, nil
}

// PutReference stores the registry-signed reference of a citizen.
func (s *Server) PutReference(citizenID string, signed []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bktReferences).Put([]byte(citizenID), signed)
	})
}

// Count summarizes the stored chains.
func (s *Server) Count() ([]ChainCount, error) {
	var out []ChainCount
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = countTx(tx)
		return err
	})
	return out, err
}

// Records returns the stored records of a terminal in (epoch, seq) order.
func (s *Server) Records(terminal string) ([]uplink.StoredRecord, error) {
	var out []uplink.StoredRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bktRecords).Bucket([]byte(terminal))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			e, q := be64(k), be64(k[8:])
			out = append(out, uplink.StoredRecord{
				ID: fmt.Sprintf("%s/%d/%d", terminal, e, q), Epoch: e, Seq: q,
				Stored: time.Unix(0, int64(be64(v))).UTC(), COSE: append([]byte(nil), v[8:]...),
			})
			return nil
		})
	})
	return out, err
}

func be64(b []byte) uint64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}

// TLSConfig is the server side of mutual TLS: the terminal CA verifies
// client certificates.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{s.cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    s.ca.Pool(),
	}
}

// Handler is the API's HTTP handler (it expects r.TLS with a verified
// client certificate).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+uplink.PathRecords, s.postRecords)
	mux.HandleFunc("POST "+uplink.PathHeartbeat, s.postHeartbeat)
	mux.HandleFunc("GET /v1/citizens/{id}/reference", s.getReference)
	mux.HandleFunc("GET /v1/terminals/{id}/records", s.getRecords)
	return s.delayed(mux)
}

// Start listens on addr (e.g. 127.0.0.1:0) and serves HTTPS in the
// background; it returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("ingest: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         s.TLSConfig(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		// HTTP/1.1 only: the faults hijack connections.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     slog.NewLogLogger(s.opts.Log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.url = "https://" + ln.Addr().String()
	s.mu.Unlock()
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Log.Error("ingest: serve", "err", err)
		}
	}()
	return s.url, nil
}

// URL is the base URL after Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops serving and closes the database.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	var errs []error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, srv.Shutdown(ctx))
		cancel()
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

func (s *Server) delayed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		d := s.faults.Delay
		s.mu.Unlock()
		if d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// terminalOf is the verified client certificate's terminal id and key.
func terminalOf(r *http.Request) (string, crypto.PublicKey, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", nil, false
	}
	leaf := r.TLS.VerifiedChains[0][0]
	if leaf.Subject.CommonName == "" {
		return "", nil, false
	}
	return leaf.Subject.CommonName, leaf.PublicKey, true
}

func (s *Server) writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", uplink.MediaJSON)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	s.writeJSON(w, code, uplink.ErrorAnswer{Error: msg, Time: s.opts.Now().UTC()})
}

type fault int

const (
	faultNone fault = iota
	fault500
	fault503
	faultReset
	faultDropAfterStore
	faultDuplicate
)

func (s *Server) roll() (fault, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	x := s.dice.Float64()
	for _, c := range []struct {
		p float64
		f fault
	}{{f.Error500, fault500}, {f.Unavailable, fault503}, {f.Reset, faultReset}, {f.DropAfterStore, faultDropAfterStore}, {f.DuplicateAnswer, faultDuplicate}} {
		if x < c.p {
			s.stats.Faults++
			return c.f, f.RetryAfter
		}
		x -= c.p
	}
	return faultNone, 0
}

// reset closes the request's connection with a TCP RST.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := c.(*tls.Conn); ok {
		if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
			tcp.SetLinger(0)
			tcp.Close()
			return
		}
	}
	c.Close()
}

func (s *Server) postRecords(w http.ResponseWriter, r *http.Request) {
	terminal, pub, ok := terminalOf(r)
	if !ok {
		s.fail(w, http.StatusUnauthorized, "client certificate required")
		return
	}
	s.mu.Lock()
	s.stats.Requests++
	s.mu.Unlock()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, uplink.MediaCBOR) {
		s.fail(w, http.StatusUnsupportedMediaType, "want "+uplink.MediaCBOR)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, uplink.MaxBatchBytes+1))
	if err != nil {
		return
	}
	recs, err := uplink.DecodeBatch(body)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	f, retryAfter := s.roll()
	switch f {
	case fault500:
		s.fail(w, http.StatusInternalServerError, "injected fault")
		return
	case fault503:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		s.fail(w, http.StatusServiceUnavailable, "injected fault")
		return
	case faultReset:
		reset(w)
		return
	}
	now := s.opts.Now()
	ans := uplink.RecordsAnswer{Results: make([]uplink.Result, len(recs))}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := putKey(tx, terminal, pub); err != nil {
			return err
		}
		for i, b := range recs {
			var err error
			if ans.Results[i], err = ingestOne(tx, terminal, b, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.opts.Log.Error("ingest: store", "err", err)
		s.fail(w, http.StatusInternalServerError, "storage failed")
		return
	}
	var acc, dup, rej uint64
	for _, res := range ans.Results {
		switch res.Status {
		case uplink.Accepted:
			acc++
		case uplink.Duplicate:
			dup++
		default:
			rej++
			s.opts.Log.Warn("ingest: rejected", "terminal", terminal, "record", res.ID, "reason", res.Reason)
		}
	}
	s.mu.Lock()
	s.stats.Accepted += acc
	s.stats.Duplicates += dup
	s.stats.Rejected += rej
	s.mu.Unlock()
	ans.Time = s.opts.Now().UTC()
	switch f {
	case faultDropAfterStore:
		reset(w)
		return
	case faultDuplicate:
		s.answerTwice(w, ans)
		return
	}
	s.writeJSON(w, http.StatusOK, ans)
}

// answerTwice writes the answer twice on the hijacked connection, then
// closes it.
func (s *Server) answerTwice(w http.ResponseWriter, ans uplink.RecordsAnswer) {
	body, _ := json.Marshal(ans)
	hj, ok := w.(http.Hijacker)
	if !ok {
		s.writeJSON(w, http.StatusOK, ans)
		return
	}
	c, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n%s", uplink.MediaJSON, len(body), body)
	bw := bufio.NewWriter(c)
	_ = brw
	bw.WriteString(resp)
	bw.WriteString(resp)
	bw.Flush()
	time.Sleep(20 * time.Millisecond)
}

func (s *Server) postHeartbeat(w http.ResponseWriter, r *http.Request) {
	terminal, _, ok := terminalOf(r)
	if !ok {
		s.fail(w, http.StatusUnauthorized, "client certificate required")
		return
	}
	var hb uplink.Heartbeat
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&hb); err != nil {
		s.fail(w, http.StatusBadRequest, "heartbeat: "+err.Error())
		return
	}
	if hb.Terminal != "" && hb.Terminal != terminal {
		s.fail(w, http.StatusForbidden, "heartbeat of another terminal")
		return
	}
	hb.Terminal = terminal
	b, _ := json.Marshal(hb)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bktHeartbeats).Put([]byte(terminal), b)
	}); err != nil {
		s.fail(w, http.StatusInternalServerError, "storage failed")
		return
	}
	s.mu.Lock()
	s.stats.Heartbeats++
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, uplink.HeartbeatAnswer{Time: s.opts.Now().UTC()})
}

// LastHeartbeat returns the last heartbeat of a terminal.
func (s *Server) LastHeartbeat(terminal string) (*uplink.Heartbeat, error) {
	var hb *uplink.Heartbeat
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bktHeartbeats).Get([]byte(terminal))
		if b == nil {
			return nil
		}
		hb = new(uplink.Heartbeat)
		return json.Unmarshal(b, hb)
	})
	return hb, err
}

func (s *Server) getReference(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := terminalOf(r); !ok {
		s.fail(w, http.StatusUnauthorized, "client certificate required")
		return
	}
	var ref []byte
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bktReferences).Get([]byte(r.PathValue("id"))); v != nil {
			ref = append([]byte(nil), v...)
		}
		return nil
	})
	if ref == nil {
		s.fail(w, http.StatusNotFound, "no reference")
		return
	}
	w.Header().Set("Content-Type", uplink.MediaCOSE)
	w.Write(ref)
}

// getRecords serves a terminal its own stored records (inspection).
func (s *Server) getRecords(w http.ResponseWriter, r *http.Request) {
	terminal, _, ok := terminalOf(r)
	if !ok {
		s.fail(w, http.StatusUnauthorized, "client certificate required")
		return
	}
	id := r.PathValue("id")
	if id != terminal {
		s.fail(w, http.StatusForbidden, "records of another terminal")
		return
	}
	recs, err := s.Records(id)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if recs == nil {
		recs = []uplink.StoredRecord{}
	}
	s.writeJSON(w, http.StatusOK, recs)
}

// ClientCertificate issues id a fresh key and certificate for tools and
// tests that have no hardware key.
func (s *Server) ClientCertificate(id string, key crypto.Signer) (tls.Certificate, error) {
	chain, err := s.IssueTerminal(id, key.Public(), 24*time.Hour)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, _ := x509.ParseCertificate(chain[0])
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

package uplink

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors.
var (
	// ErrBadAnswer means the registry's answer is not what the API says.
	ErrBadAnswer = errors.New("uplink: bad answer")
	// ErrNotFound means the registry has no such resource (404).
	ErrNotFound = errors.New("uplink: not found")
	// ErrConfig means the client configuration is unusable.
	ErrConfig = errors.New("uplink: bad configuration")
)

// StatusError is a non-2xx answer of the registry.
type StatusError struct {
	Code int
	// RetryAfter is the registry's Retry-After (0 when absent).
	RetryAfter time.Duration
	Message    string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("uplink: registry answered %d %s", e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *StatusError) Is(target error) bool {
	return target == ErrNotFound && e.Code == http.StatusNotFound
}

// Config says how to reach the registry.
type Config struct {
	// URL is the registry's base URL, https://host:port.
	URL string
	// Certificate is the terminal's client certificate chain; PrivateKey is
	// the hardware key (a crypto.Signer).
	Certificate tls.Certificate
	// RootCAs verify the registry's server certificate.
	RootCAs *x509.CertPool
	// Timeout bounds each request (default 30 s).
	Timeout time.Duration
	// Transport replaces the TLS transport (tests of the client logic).
	Transport http.RoundTripper
	// Now is the clock of round-trip times (default time.Now).
	Now func() time.Time
}

// Client talks to the registry. It is safe for concurrent use.
type Client struct {
	base *url.URL
	hc   *http.Client
	now  func() time.Time
}

// maxAnswer bounds what is read of an answer body.
const maxAnswer = 4 << 20

// NewClient returns a client of the registry at cfg.URL.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && cfg.Transport == nil) {
		return nil, fmt.Errorf("%w: registry URL %q (want https://host:port)", ErrConfig, cfg.URL)
	}
	rt := cfg.Transport
	if rt == nil {
		if len(cfg.Certificate.Certificate) == 0 || cfg.Certificate.PrivateKey == nil {
			return nil, fmt.Errorf("%w: no client certificate", ErrConfig)
		}
		cert := cfg.Certificate
		rt = &http.Transport{
			TLSClientConfig: &tls.Config{
				MinVersion: tls.VersionTLS12,
				RootCAs:    cfg.RootCAs,
				GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
					return &cert, nil
				},
			},
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
		}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{base: u, hc: &http.Client{Transport: rt, Timeout: timeout}, now: now}, nil
}

func (c *Client) String() string { return "registry " + c.base.Host }

// CloseIdle closes idle connections (after a network change).
func (c *Client) CloseIdle() { c.hc.CloseIdleConnections() }

// do runs one request. name is the path as errors show it: it never holds
// a citizen id (errors end up in logs).
func (c *Client) do(ctx context.Context, method, path, name, ctype string, body []byte, accept string) ([]byte, http.Header, time.Duration, error) {
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	path = name
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("uplink: %s %s: %w", method, path, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", accept)
	t0 := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error carries the full URL: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, 0, fmt.Errorf("uplink: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	rtt := c.now().Sub(t0)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("uplink: %s %s: reading answer: %w", method, path, err)
	}
	if len(b) > maxAnswer {
		return nil, nil, 0, fmt.Errorf("%w: %s %s: answer over %d bytes", ErrBadAnswer, method, path, maxAnswer)
	}
	if resp.StatusCode/100 != 2 {
		se := &StatusError{Code: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
		var ea ErrorAnswer
		if json.Unmarshal(b, &ea) == nil {
			se.Message = ea.Error
		}
		return nil, resp.Header, rtt, fmt.Errorf("uplink: %s %s: %w", method, path, se)
	}
	return b, resp.Header, rtt, nil
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 1<<30)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// PostRecords sends a batch of sealed records. The answer has one result
// per record, in order.
func (c *Client) PostRecords(ctx context.Context, records [][]byte) (*RecordsAnswer, error) {
	body, err := EncodeBatch(records)
	if err != nil {
		return nil, err
	}
	b, _, rtt, err := c.do(ctx, http.MethodPost, PathRecords, PathRecords, MediaCBOR, body, MediaJSON)
	if err != nil {
		return nil, err
	}
	var a RecordsAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("%w: records: %v", ErrBadAnswer, err)
	}
	if len(a.Results) != len(records) {
		return nil, fmt.Errorf("%w: records: %d results for %d records", ErrBadAnswer, len(a.Results), len(records))
	}
	a.RTT = rtt
	return &a, nil
}

// PostHeartbeat reports the terminal's state and returns the registry's
// time.
func (c *Client) PostHeartbeat(ctx context.Context, hb *Heartbeat) (*HeartbeatAnswer, error) {
	body, err := json.Marshal(hb)
	if err != nil {
		return nil, fmt.Errorf("uplink: heartbeat: %w", err)
	}
	b, _, rtt, err := c.do(ctx, http.MethodPost, PathHeartbeat, PathHeartbeat, MediaJSON, body, MediaJSON)
	if err != nil {
		return nil, err
	}
	var a HeartbeatAnswer
	if err := json.Unmarshal(b, &a); err != nil || a.Time.IsZero() {
		return nil, fmt.Errorf("%w: heartbeat: %v", ErrBadAnswer, err)
	}
	a.RTT = rtt
	return &a, nil
}

// GetReference fetches the registry-signed reference of a citizen (the
// COSE_Sign1 bytes, unverified: see ReferenceSource). It wraps ErrNotFound
// when the registry has none.
func (c *Client) GetReference(ctx context.Context, citizenID string) ([]byte, error) {
	if !validCitizenID(citizenID) {
		return nil, fmt.Errorf("uplink: reference: %w: citizen id is not 13 digits", ErrConfig)
	}
	b, _, _, err := c.do(ctx, http.MethodGet, "/v1/citizens/"+citizenID+"/reference", PathReference, "", nil, MediaCOSE)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty reference", ErrBadAnswer)
	}
	return b, nil
}

func validCitizenID(id string) bool {
	if len(id) != 13 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

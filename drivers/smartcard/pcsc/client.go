package pcsc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// DefaultSocket is pcscd's socket on Debian and most distributions.
const DefaultSocket = "/run/pcscd/pcscd.comm"

// Opts configures a Client.
type Opts struct {
	// Socket is pcscd's unix socket. Empty means $PCSCLITE_CSOCK_NAME, or
	// DefaultSocket when that is unset.
	Socket string
	// Timeout bounds each request whose context has no earlier deadline
	// (WaitChange excepted: it waits as long as its context allows).
	Timeout time.Duration
}

// DefaultOpts are the options New uses when given nil.
var DefaultOpts = Opts{Timeout: 30 * time.Second}

// Version is a pcsc-lite IPC protocol version.
type Version struct{ Major, Minor int32 }

func (v Version) String() string { return fmt.Sprintf("%d:%d", v.Major, v.Minor) }

// Client is a connection to pcscd holding one PC/SC context.
type Client struct {
	socket  string
	timeout time.Duration

	mu      sync.Mutex
	conn    net.Conn
	err     error // sticky: set once the stream is out of step or closed
	context uint32
	version Version
}

// New connects to pcscd, negotiates the protocol version and establishes a
// context (SCardEstablishContext with SCARD_SCOPE_SYSTEM). When pcscd is not
// running it returns an error wrapping ErrNoService.
func New(ctx context.Context, opts *Opts) (*Client, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	c := &Client{socket: opts.Socket, timeout: opts.Timeout}
	if c.socket == "" {
		c.socket = os.Getenv("PCSCLITE_CSOCK_NAME")
	}
	if c.socket == "" {
		c.socket = DefaultSocket
	}
	if c.timeout <= 0 {
		c.timeout = DefaultOpts.Timeout
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.socket)
	if err != nil {
		return nil, fmt.Errorf("pcsc: connect to pcscd at %s: %w: %w", c.socket, ErrNoService, err)
	}
	c.conn = conn
	if err := c.negotiate(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	b, err := c.call(ctx, "establish context", cmdEstablishContext, words(2 /* SCARD_SCOPE_SYSTEM */, 0, 0), nil, establishSize)
	if err == nil {
		err = rvErr(word(b, 2))
		c.context = word(b, 1)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("pcsc: establish context: %w", err)
	}
	return c, nil
}

// negotiate exchanges CMD_VERSION: 4:4 first, then the server's minor when a
// strict 4:5 or 4:6 server refuses 4:4.
func (c *Client) negotiate(ctx context.Context) error {
	want := Version{4, 4}
	for attempt := 0; attempt < 2; attempt++ {
		b, err := c.call(ctx, "version", cmdVersion, words(uint32(want.Major), uint32(want.Minor), 0), nil, versionSize)
		if err != nil {
			return fmt.Errorf("pcsc: protocol version (is this pcscd too old for CMD_VERSION?): %w", err)
		}
		server := Version{int32(word(b, 0)), int32(word(b, 1))}
		rv := word(b, 2)
		if rv == 0 {
			c.version = want
			return nil
		}
		if Error(rv) == ErrServiceStopped && server.Major == 4 && server.Minor >= 4 && server.Minor <= 6 && server != want {
			want = server
			continue
		}
		return fmt.Errorf("pcsc: protocol version %s refused by pcscd (server speaks %s): %w", want, server, Error(rv))
	}
	return fmt.Errorf("pcsc: protocol version negotiation failed: %w", ErrServiceStopped)
}

// Err returns why the client became unusable (the connection to pcscd was
// lost or closed), or nil.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Version returns the negotiated IPC protocol version.
func (c *Client) Version() Version { return c.version }

// Socket returns the path of pcscd's socket.
func (c *Client) Socket() string { return c.socket }

func (c *Client) String() string {
	return fmt.Sprintf("pcscd at %s (protocol %s)", c.socket, c.version)
}

// Close releases the context and closes the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.roundTripLocked(ctx, "release context", cmdReleaseContext, words(c.context, 0), nil, releaseSize)
		cancel()
	}
	if c.err == nil || !errors.Is(c.err, ErrClosed) {
		c.err = ErrClosed
	}
	err := c.conn.Close()
	c.mu.Unlock()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// call sends one request and reads its fixed-size reply.
func (c *Client) call(ctx context.Context, op string, cmd uint32, req, extra []byte, replySize int) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.roundTripLocked(ctx, op, cmd, req, extra, replySize)
}

// roundTripLocked writes header+req+extra and reads replySize bytes. Any I/O
// failure leaves the stream out of step, so the client becomes unusable.
func (c *Client) roundTripLocked(ctx context.Context, op string, cmd uint32, req, extra []byte, replySize int) ([]byte, error) {
	if c.err != nil {
		return nil, fmt.Errorf("pcsc: %s: %w", op, c.err)
	}
	stop := c.armLocked(ctx)
	defer stop()
	if err := c.sendLocked(cmd, req, extra); err != nil {
		return nil, c.failLocked(ctx, op, err)
	}
	reply := make([]byte, replySize)
	if _, err := io.ReadFull(c.conn, reply); err != nil {
		return nil, c.failLocked(ctx, op, err)
	}
	return reply, nil
}

// readLocked reads n more bytes of a reply (TRANSMIT's response APDU).
func (c *Client) readLocked(ctx context.Context, op string, n int) ([]byte, error) {
	stop := c.armLocked(ctx)
	defer stop()
	b := make([]byte, n)
	if _, err := io.ReadFull(c.conn, b); err != nil {
		return nil, c.failLocked(ctx, op, err)
	}
	return b, nil
}

func (c *Client) sendLocked(cmd uint32, req, extra []byte) error {
	msg := make([]byte, 0, headerSize+len(req)+len(extra))
	msg = append(msg, words(uint32(len(req)), cmd)...)
	msg = append(msg, req...)
	msg = append(msg, extra...)
	_, err := c.conn.Write(msg)
	return err
}

// armLocked sets the connection deadline from ctx (or the default timeout)
// and interrupts blocked I/O when ctx is done.
func (c *Client) armLocked(ctx context.Context) (stop func()) {
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.conn.SetDeadline(deadline)
	conn := c.conn
	s := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	return func() { s() }
}

func (c *Client) failLocked(ctx context.Context, op string, err error) error {
	c.conn.Close()
	var ne net.Error
	d, hasDeadline := ctx.Deadline()
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	case hasDeadline && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(d):
		// The connection deadline (ctx's) fired before ctx's own timer.
		err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
	default:
		err = fmt.Errorf("%w: %w", ErrCommError, err)
	}
	c.err = fmt.Errorf("%w: connection to pcscd lost: %w", ErrCommError, err)
	return fmt.Errorf("pcsc: %s: %w", op, err)
}

// ReaderStates returns the readers pcscd knows and their state.
func (c *Client) ReaderStates(ctx context.Context) ([]ReaderState, error) {
	b, err := c.call(ctx, "get readers state", cmdGetReadersState, nil, nil, readerStatesSize)
	if err != nil {
		return nil, err
	}
	return ParseReaderStates(b)
}

// Readers lists the reader names. With no reader attached it returns an
// error wrapping ErrNoReadersAvailable.
func (c *Client) Readers(ctx context.Context) ([]string, error) {
	st, err := c.ReaderStates(ctx)
	if err != nil {
		return nil, err
	}
	if len(st) == 0 {
		return nil, fmt.Errorf("pcsc: list readers: %w", ErrNoReadersAvailable)
	}
	names := make([]string, len(st))
	for i, s := range st {
		names[i] = s.Name
	}
	return names, nil
}

// WaitChange waits for reader events. It registers with pcscd for events,
// gets the current reader states and returns them as soon as done(states)
// is true; otherwise it waits for pcscd's next event notification and checks
// again. Cancelling ctx stops the wait cleanly (the client stays usable).
func (c *Client) WaitChange(ctx context.Context, done func([]ReaderState) bool) ([]ReaderState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.err != nil {
			return nil, fmt.Errorf("pcsc: wait for reader change: %w", c.err)
		}
		// Register and receive the table; pcscd answers at once.
		stop := c.armLocked(ctx)
		err := c.sendLocked(cmdWaitReaderStateChange, nil, nil)
		table := make([]byte, readerStatesSize)
		if err == nil {
			_, err = io.ReadFull(c.conn, table)
		}
		stop()
		if err != nil {
			return nil, c.failLocked(ctx, "wait for reader change", err)
		}
		states, err := ParseReaderStates(table)
		if err != nil {
			c.conn.Close()
			c.err = err
			return nil, err
		}
		if done(states) {
			if err := c.unregisterLocked(nil); err != nil {
				return nil, err
			}
			return states, nil
		}
		if err := c.waitEventLocked(ctx); err != nil {
			return nil, err
		}
	}
}

// waitEventLocked blocks until pcscd signals an event (after which pcscd has
// unregistered the client) or ctx is done (then it unregisters).
func (c *Client) waitEventLocked(ctx context.Context) error {
	c.conn.SetDeadline(time.Time{})
	conn := c.conn
	s := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	b := make([]byte, waitSize)
	n, err := io.ReadFull(c.conn, b)
	s()
	if err == nil {
		if rv := word(b, 1); rv != 0 {
			return fmt.Errorf("pcsc: wait for reader change: %w", Error(rv))
		}
		return nil
	}
	var ne net.Error
	if ctx.Err() == nil || !errors.As(err, &ne) || !ne.Timeout() {
		return c.failLocked(ctx, "wait for reader change", err)
	}
	// Cancelled. If a notification was partly received, pcscd has already
	// unregistered us: finish reading it. Otherwise stop waiting.
	if n > 0 {
		c.conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c.conn, b[n:]); err != nil {
			return c.failLocked(context.Background(), "wait for reader change", err)
		}
		return fmt.Errorf("pcsc: wait for reader change: %w", ctx.Err())
	}
	if err := c.unregisterLocked(ctx); err != nil {
		return err
	}
	return fmt.Errorf("pcsc: wait for reader change: %w", ctx.Err())
}

// unregisterLocked sends CMD_STOP_WAITING_READER_STATE_CHANGE and reads the
// one 8-byte message that follows: its answer, or an event notification that
// crossed it (pcscd then sends no answer).
func (c *Client) unregisterLocked(cause context.Context) error {
	c.conn.SetDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, waitSize)
	err := c.sendLocked(cmdStopWaitingReaderStateChange, nil, nil)
	if err == nil {
		_, err = io.ReadFull(c.conn, b)
	}
	if err != nil {
		return c.failLocked(context.Background(), "stop waiting for reader change", err)
	}
	return nil
}

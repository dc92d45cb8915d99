package tpm2

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-tpm/tpm2/transport"
)

// headerSize is the TPM 2.0 command/response header: tag (2), size (4),
// code (4).
const headerSize = 10

// maxResponse bounds a response: TPM 2.0 responses fit in MAX_RESPONSE_SIZE
// (typically 4096); more is a broken peer, not a TPM.
const maxResponse = 64 << 10

// Errors of the transports.
var (
	// ErrNoTPM means there is no TPM at the given path or address.
	ErrNoTPM = errors.New("tpm2: no TPM")
	// ErrShortResponse means the response ended before its announced size
	// or has an impossible size.
	ErrShortResponse = errors.New("tpm2: truncated or oversized response")
)

// conn is a TPM byte stream: the kernel device or swtpm's TCP port.
type conn interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}

// Stream is a transport.TPMCloser over a byte stream that sends one
// command and reads its complete response. It is safe for concurrent use;
// commands are serialised.
type Stream struct {
	name    string
	timeout time.Duration

	mu sync.Mutex
	c  conn
}

var _ transport.TPMCloser = (*Stream)(nil)

// DefaultTimeout bounds one command on a Stream.
const DefaultTimeout = 30 * time.Second

// Dial opens a TPM by name: a device path ("/dev/tpmrm0") or "tcp:HOST:PORT"
// (swtpm's raw command port). A missing device or refused connection is
// ErrNoTPM.
func Dial(ctx context.Context, name string) (*Stream, error) {
	if addr, ok := strings.CutPrefix(name, "tcp:"); ok {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				return nil, fmt.Errorf("%w at %s: %w", ErrNoTPM, name, err)
			}
			return nil, fmt.Errorf("tpm2: dial %s: %w", name, err)
		}
		return NewStream(name, c.(*net.TCPConn)), nil
	}
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s: %w", ErrNoTPM, name, err)
		}
		return nil, fmt.Errorf("tpm2: open %s: %w", name, err)
	}
	return NewStream(name, &device{f}), nil
}

// NewStream wraps an open connection (for tests: a net.Pipe end).
func NewStream(name string, c interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}) *Stream {
	return &Stream{name: name, c: c, timeout: DefaultTimeout}
}

// device is a TPM character device; deadlines apply only where the kernel
// driver supports polling.
type device struct{ f *os.File }

func (d *device) Read(p []byte) (int, error)  { return d.f.Read(p) }
func (d *device) Write(p []byte) (int, error) { return d.f.Write(p) }
func (d *device) Close() error                { return d.f.Close() }
func (d *device) SetDeadline(t time.Time) error {
	if err := d.f.SetDeadline(t); err != nil && !errors.Is(err, os.ErrNoDeadline) {
		return err
	}
	return nil
}

func (s *Stream) String() string { return s.name }

// Send sends one command and returns its complete response.
func (s *Stream) Send(cmd []byte) ([]byte, error) {
	return s.SendContext(context.Background(), cmd)
}

// SendContext is Send bounded by ctx and the stream's timeout.
func (s *Stream) SendContext(ctx context.Context, cmd []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return nil, fmt.Errorf("tpm2: %s: %w", s.name, net.ErrClosed)
	}
	dl := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	if err := s.c.SetDeadline(dl); err != nil {
		return nil, fmt.Errorf("tpm2: %s: deadline: %w", s.name, err)
	}
	if _, err := s.c.Write(cmd); err != nil {
		return nil, fmt.Errorf("tpm2: %s: write: %w", s.name, err)
	}
	rsp, err := readResponse(s.c)
	if err != nil {
		return nil, fmt.Errorf("tpm2: %s: %w", s.name, err)
	}
	return rsp, nil
}

// readResponse reads one complete response however the bytes arrive: the
// kernel device returns it in one read of a large enough buffer (older
// kernels drop what a short read leaves), TCP in as many segments as it
// likes. It returns exactly the size the header announces.
func readResponse(r io.Reader) ([]byte, error) {
	buf := make([]byte, 4096)
	got := 0
	size := -1
	for size < 0 || got < size {
		if got == len(buf) {
			if len(buf) >= maxResponse {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrShortResponse, maxResponse)
			}
			buf = append(buf, make([]byte, len(buf))...)
		}
		n, err := r.Read(buf[got:])
		got += n
		if size < 0 && got >= headerSize {
			size = int(binary.BigEndian.Uint32(buf[2:6]))
			if size < headerSize || size > maxResponse {
				return nil, fmt.Errorf("%w: size %d", ErrShortResponse, size)
			}
		}
		if size >= 0 && got >= size {
			break
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: %d bytes, then EOF", ErrShortResponse, got)
			}
			return nil, fmt.Errorf("read: %w", err)
		}
	}
	if got > size {
		return nil, fmt.Errorf("%w: %d bytes after a %d-byte response", ErrShortResponse, got-size, size)
	}
	return buf[:size:size], nil
}

// Close closes the connection.
func (s *Stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return nil
	}
	err := s.c.Close()
	s.c = nil
	return err
}

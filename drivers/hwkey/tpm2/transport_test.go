package tpm2

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"testing/iotest"
	"time"
)

// A TPM2_GetRandom response (Part 3 §16.1): TPM_ST_NO_SESSIONS, size 18,
// TPM_RC_SUCCESS, TPM2B_DIGEST of 6 bytes.
var getRandomRsp = []byte{0x80, 0x01, 0, 0, 0, 18, 0, 0, 0, 0, 0, 6, 1, 2, 3, 4, 5, 6}

// chunked returns the bytes of b in reads of at most n bytes.
type chunked struct {
	b []byte
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.n, len(c.b))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

func TestReadResponse(t *testing.T) {
	big := append([]byte{0x80, 0x01, 0, 0, 0x10, 0x0a, 0, 0, 0, 0}, make([]byte, 0x100a-10)...)
	for _, tc := range []struct {
		name string
		r    io.Reader
		want []byte
		err  error
	}{
		{"one read", bytes.NewReader(getRandomRsp), getRandomRsp, nil},
		{"byte by byte", iotest.OneByteReader(bytes.NewReader(getRandomRsp)), getRandomRsp, nil},
		{"split in the header", &chunked{getRandomRsp, 7}, getRandomRsp, nil},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(getRandomRsp)), getRandomRsp, nil},
		{"larger than the first buffer", &chunked{big, 1500}, big, nil},
		{"truncated body", bytes.NewReader(getRandomRsp[:15]), nil, ErrShortResponse},
		{"truncated header", bytes.NewReader(getRandomRsp[:4]), nil, ErrShortResponse},
		{"size below header", bytes.NewReader([]byte{0x80, 0x01, 0, 0, 0, 9, 0, 0, 0, 0}), nil, ErrShortResponse},
		{"size too big", bytes.NewReader([]byte{0x80, 0x01, 0x7f, 0, 0, 0, 0, 0, 0, 0}), nil, ErrShortResponse},
		{"trailing bytes", bytes.NewReader(append(append([]byte(nil), getRandomRsp...), 0xff)), nil, ErrShortResponse},
		{"timeout", iotest.TimeoutReader(&chunked{getRandomRsp, 5}), nil, iotest.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readResponse(tc.r)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err: got %v, want %v", err, tc.err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got % x, want % x", got, tc.want)
			}
		})
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add(getRandomRsp, 3)
	f.Add([]byte{0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x09, 0x22}, 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n <= 0 {
			n = 1
		}
		got, err := readResponse(&chunked{b, n})
		if err != nil {
			return
		}
		if !bytes.HasPrefix(b, got) || len(got) < headerSize {
			t.Fatalf("response % x is not a prefix of the input", got)
		}
	})
}

func TestStreamPipe(t *testing.T) {
	host, tpm := net.Pipe()
	s := NewStream("pipe", host)
	defer s.Close()
	go func() {
		cmd := make([]byte, 12)
		io.ReadFull(tpm, cmd)
		// Answer in three writes, as TCP may.
		tpm.Write(getRandomRsp[:3])
		tpm.Write(getRandomRsp[3:11])
		tpm.Write(getRandomRsp[11:])
		// Then read the next command and never answer.
		io.ReadFull(tpm, cmd)
	}()
	cmd := []byte{0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7B, 0, 6} // TPM2_GetRandom(6)
	got, err := s.Send(cmd)
	if err != nil || !bytes.Equal(got, getRandomRsp) {
		t.Fatalf("Send: % x, %v", got, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.SendContext(ctx, cmd); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("silent TPM: got %v, want os.ErrDeadlineExceeded", err)
	}
	s.Close()
	if _, err := s.Send(cmd); !errors.Is(err, net.ErrClosed) {
		t.Errorf("after Close: got %v, want net.ErrClosed", err)
	}
}

package pcsc

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// FuzzClientReplies feeds arbitrary bytes as pcscd's side of a session: the
// client must return errors, never panic, hang or accept impossible sizes.
func FuzzClientReplies(f *testing.F) {
	var table []byte
	for i := 0; i < MaxReaders; i++ {
		table = appendReaderState(table, ReaderState{Name: "R", State: StatePresent, ATR: []byte{0x3B, 0x00}})
	}
	ok := append(words(4, 4, 0), words(2, 7, 0)...) // version, establish
	f.Add(ok)
	f.Add(append(append([]byte(nil), ok...), table...))
	connect := make([]byte, connectSize)
	copy(connect[connectOffHCard:], words(5, uint32(ProtocolT1), 0))
	f.Add(append(append(append([]byte(nil), ok...), connect...), words(5, 2, 8, 0, 3, 8, 2, 0)...))
	f.Add(append(append(append([]byte(nil), ok...), connect...), words(5, 2, 8, 0, 3, 8, 0xFFFFFFFF, 0)...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		cli, srv := net.Pipe()
		defer cli.Close()
		defer srv.Close()
		go io.Copy(io.Discard, srv)
		go func() { srv.Write(stream); srv.Close() }()
		c := &Client{conn: cli, socket: "fuzz", timeout: 50 * time.Millisecond}
		ctx := context.Background()
		if err := c.negotiate(ctx); err != nil {
			return
		}
		b, err := c.call(ctx, "establish", cmdEstablishContext, words(2, 0, 0), nil, establishSize)
		if err != nil {
			return
		}
		c.context = word(b, 1)
		if st, err := c.ReaderStates(ctx); err == nil && len(st) > MaxReaders {
			t.Fatal("too many readers")
		}
		card, err := c.Connect(ctx, "R", ShareShared, ProtocolAny)
		if err == nil {
			if r, err := card.Transmit(ctx, []byte{0, 0xA4, 4, 0}); err == nil && len(r) > maxBufferExtended {
				t.Fatal("oversized response accepted")
			}
			card.Status(ctx)
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		c.WaitChange(wctx, func([]ReaderState) bool { return false })
		cancel()
	})
}

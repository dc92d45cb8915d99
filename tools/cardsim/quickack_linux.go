//go:build linux

package cardsim

import (
	"net"
	"syscall"
)

// quickAck sets TCP_QUICKACK, which Linux clears again after a while, so it
// is renewed after every read.
func quickAck(c any) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}

//go:build linux

package pcsctest

import "syscall"

func dieWithParent(sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: sig}
}

func mountRunTmpfs() error { return syscall.Mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") }

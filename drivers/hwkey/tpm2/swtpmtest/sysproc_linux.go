//go:build linux

package swtpmtest

import "syscall"

// sysProcAttr kills swtpm when the test process dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

//go:build linux

package swtpm

import "syscall"

// sysProcAttr kills swtpm when the test process dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

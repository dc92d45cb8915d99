//go:build !linux

package pcsctest

import (
	"errors"
	"syscall"
)

func dieWithParent(syscall.Signal) *syscall.SysProcAttr { return nil }

func mountRunTmpfs() error { return errors.New("pcsctest: private /run needs Linux") }

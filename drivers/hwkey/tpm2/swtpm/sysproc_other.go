//go:build !linux

package swtpm

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }

//go:build !linux

package outbox

import "errors"

// freeBytes is unknown off Linux: Room relies on the limits and on failed
// writes only.
func freeBytes(dir string) (int64, error) { return -1, errors.New("outbox: statfs unsupported") }

package sensorsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseFault parses "KIND[:FRAME[:SKIP]]" with KIND one of garbage, split,
// short, badsum, powerup, silent (the command line's -fault values), or
// "late:MS[:SKIP]", a response MS milliseconds late.
func ParseFault(s string) (Fault, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	var f Fault
	for k := FaultGarbage; k <= FaultLate; k++ {
		if k.String() == parts[0] {
			f.Kind = k
		}
	}
	if f.Kind == 0 {
		return Fault{}, fmt.Errorf("sensorsim: fault %q: kind must be garbage, split, short, badsum, powerup, silent or late", s)
	}
	if len(parts) > 3 {
		return Fault{}, fmt.Errorf("sensorsim: fault %q: want KIND[:FRAME[:SKIP]]", s)
	}
	for i, dst := range []*int{&f.Frame, &f.Skip} {
		if len(parts) > i+1 {
			n, err := strconv.Atoi(parts[i+1])
			if err != nil || n < 0 || n > 1<<16 {
				return Fault{}, fmt.Errorf("sensorsim: fault %q: bad number %q", s, parts[i+1])
			}
			*dst = n
		}
	}
	if f.Kind == FaultLate {
		f.Delay, f.Frame = time.Duration(f.Frame)*time.Millisecond, 0
	}
	return f, nil
}

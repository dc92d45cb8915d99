package zfm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		st   Status
		want error
	}{
		{StatusNoFinger, fingerprint.ErrNoFinger},
		{StatusImageMessy, fingerprint.ErrPoorImage},
		{StatusFewFeatures, fingerprint.ErrPoorImage},
		{StatusNoImage, fingerprint.ErrPoorImage},
		{StatusNoMatch, ErrNoMatch},
		{StatusNotFound, ErrNoMatch},
		{StatusWrongPassword, ErrWrongPassword},
		{StatusPasswordRequired, ErrPasswordRequired},
		{StatusSensorHardware, ErrSensorHardware},
		{StatusUnsupported, ErrUnsupported},
		{StatusFlashWrite, nil},
	} {
		err := fmt.Errorf("zfm: op: %w", tc.st)
		var st Status
		if !errors.As(err, &st) || st != tc.st {
			t.Errorf("%#02x: errors.As gave %v", byte(tc.st), st)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%#02x: not errors.Is %v", byte(tc.st), tc.want)
		}
		if tc.want == nil && tc.st.Unwrap() != nil {
			t.Errorf("%#02x: unwraps to %v, want nil", byte(tc.st), tc.st.Unwrap())
		}
	}
	for st, text := range statusText {
		if !strings.Contains(st.Error(), text) {
			t.Errorf("%#02x: %q lacks %q", byte(st), st.Error(), text)
		}
	}
	if got := Status(0x99).Error(); !strings.Contains(got, "unknown") {
		t.Errorf("unknown code: %q", got)
	}
	if statusErr(0) != nil {
		t.Errorf("statusErr(0) is an error")
	}
}

func TestDeadlineScalesWithWire(t *testing.T) {
	for _, baud := range []int{9600, 57600, 115200} {
		d := &Dev{baud: baud}
		n := 144*(256+Overhead) + 24 // a 256x288 image in 256-byte packets
		wire := time.Duration(n) * 10 * time.Second / time.Duration(baud)
		got := d.deadline(n, 300*time.Millisecond)
		if got < wire*3/2 || got > wire*3/2+300*time.Millisecond {
			t.Errorf("%d baud: deadline %v for %v on the wire, want 1.5x plus the allowance", baud, got, wire)
		}
	}
}

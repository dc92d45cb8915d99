package trustedtime

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/firmware/record"
)

type fakeRTC struct{ t time.Time }

func (f *fakeRTC) now() time.Time { return f.t }

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func open(t *testing.T, path string, rtc *fakeRTC) *Clock {
	t.Helper()
	c, err := Open(path, &Opts{Now: rtc.now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRTCAndFloorAcrossReboot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "floor")
	rtc := &fakeRTC{t0}
	c := open(t, path, rtc)
	if got, src := c.Now(); !got.Equal(t0) || src != record.TimeRTC {
		t.Fatalf("got %v %s, want %v rtc", got, src, t0)
	}
	rtc.t = t0.Add(2 * time.Minute)
	c.Now()
	if got := c.Floor(); !got.Equal(rtc.t) {
		t.Fatalf("floor after 2 min: got %v, want %v", got, rtc.t)
	}
	rtc.t = t0.Add(150 * time.Second)
	c.Now()
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	last := rtc.t

	tests := []struct {
		name    string
		rtc     time.Time
		wantSrc record.TimeSource
	}{
		{"battery dead", time.Unix(0, 0), record.TimeFloor},
		{"clock behind the floor", last.Add(-time.Hour), record.TimeFloor},
		{"clock ahead", last.Add(time.Hour), record.TimeRTC},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &fakeRTC{tc.rtc}
			c := open(t, path, r)
			got, src := c.Now()
			if src != tc.wantSrc || got.Before(last) {
				t.Fatalf("got %v %s, want >= %v from %s", got, src, last, tc.wantSrc)
			}
			r.t = r.t.Add(10 * time.Second)
			got2, _ := c.Now()
			if got2.Sub(got) != 10*time.Second {
				t.Fatalf("10 s later: got %v after %v", got2, got)
			}
		})
	}
}

func TestRegistryTime(t *testing.T) {
	rtc := &fakeRTC{t0}
	c, err := Open(filepath.Join(t.TempDir(), "floor"), &Opts{Now: rtc.now, RegistryValid: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Offset(); ok {
		t.Fatal("offset before any registry answer")
	}
	reg := t0.Add(90 * time.Second)
	c.ObserveRegistry(reg, 200*time.Millisecond)
	got, src := c.Now()
	if want := reg.Add(100 * time.Millisecond); !got.Equal(want) || src != record.TimeRegistry {
		t.Fatalf("got %v %s, want %v registry", got, src, want)
	}
	if off, ok := c.Offset(); !ok || off != 90*time.Second+100*time.Millisecond {
		t.Fatalf("offset: got %v %v", off, ok)
	}
	// The registry correcting backwards never makes the clock go back.
	c.ObserveRegistry(t0, 0)
	got2, _ := c.Now()
	if got2.Before(got) {
		t.Fatalf("went back: %v after %v", got2, got)
	}
	// A stale registry time gives way to the RTC (still not going back).
	rtc.t = t0.Add(2 * time.Hour)
	if got, src := c.Now(); src != record.TimeRTC || !got.Equal(rtc.t) {
		t.Fatalf("after RegistryValid: got %v %s", got, src)
	}
}

func TestDamagedFloorFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "floor")
	os.WriteFile(path, []byte("garbage"), 0o600)
	rtc := &fakeRTC{t0}
	c := open(t, path, rtc)
	if err := c.FloorError(); !errors.Is(err, ErrFloorFile) {
		t.Fatalf("got %v, want ErrFloorFile", err)
	}
	if got, src := c.Now(); !got.Equal(t0) || src != record.TimeRTC {
		t.Fatalf("got %v %s", got, src)
	}
	// No floor and a reset RTC: the build's lower bound, counted on.
	c2 := open(t, filepath.Join(t.TempDir(), "floor"), &fakeRTC{time.Unix(100, 0)})
	if got, src := c2.Now(); got.Before(DefaultOpts.MinValid) || src != record.TimeFloor {
		t.Fatalf("reset RTC without floor: got %v %s", got, src)
	}
}

func FuzzParseFloor(f *testing.F) {
	f.Add(marshalFloor(t0))
	f.Add([]byte("RGTFLOR1"))
	f.Add(make([]byte, 20))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseFloor(b)
		if err != nil {
			if !errors.Is(err, ErrFloorFile) {
				t.Fatalf("error %v does not wrap ErrFloorFile", err)
			}
			return
		}
		if string(marshalFloor(got)) != string(b) {
			t.Fatalf("accepted %x as %v", b, got)
		}
	})
}

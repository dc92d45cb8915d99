package trustedtime_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/regterm/regterm/firmware/trustedtime"
)

func Example() {
	dir, _ := os.MkdirTemp("", "tt")
	defer os.RemoveAll(dir)
	rtc := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c, _ := trustedtime.Open(filepath.Join(dir, "timefloor"), &trustedtime.Opts{Now: func() time.Time { return rtc }})
	t, src := c.Now()
	fmt.Println(t.Format(time.RFC3339), src)
	c.ObserveRegistry(rtc.Add(3*time.Second), 0) // a sync answer's time
	t, src = c.Now()
	fmt.Println(t.Format(time.RFC3339), src)
	c.Sync()

	// Reboot with the RTC battery dead: time continues from the floor.
	dead := time.Unix(0, 0)
	c2, _ := trustedtime.Open(filepath.Join(dir, "timefloor"), &trustedtime.Opts{Now: func() time.Time { return dead }})
	t, src = c2.Now()
	fmt.Println(t.Format(time.RFC3339), src)
	// Output:
	// 2026-12-01T09:00:00Z rtc
	// 2026-12-01T09:00:03Z registry
	// 2026-12-01T09:00:03Z floor
}

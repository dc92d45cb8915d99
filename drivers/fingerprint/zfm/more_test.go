package zfm_test

import (
	"errors"
	"image"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

// TestPlainPort drives the module through a bare *os.File: no baud
// control, reads that block, Halt that closes it.
func TestPlainPort(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	f, err := os.OpenFile(p.Path(), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := zfm.New(ctxT(t), f, nil, fastOpts())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if s := d.Stats(); s.Baud != 57600 || s.PacketSize != 256 {
		t.Errorf("got %d baud, %d-byte packets; want 57600, 256", s.Baud, s.PacketSize)
	}
	if _, err := d.TempleteNum(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Halt() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Halt: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Halt hangs on a blocking port")
	}
}

// TestConcurrentUse: exchanges from several goroutines are serialised.
func TestConcurrentUse(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	d := openDev(t, p, 57600, fastOpts())
	p.PlaceFinger(ridges(256, 288))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 3; j++ {
				if _, err := d.TempleteNum(ctxT(t)); err != nil {
					errs <- err
				}
				if err := d.GenImg(ctxT(t)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := d.Stats(); s.Retries != 0 || s.Corrupt != 0 {
		t.Errorf("concurrent use caused %d retries, %d corrupt frames", s.Retries, s.Corrupt)
	}
}

// TestPowerUpGlitches: a module that sends 00 55 00 when it boots, slowly.
func TestPowerUpGlitches(t *testing.T) {
	p := startSim(t, sensorsim.Config{PowerUpBytes: []byte{0x00, 0x55, 0x00}, PowerUpDelay: 60 * time.Millisecond})
	d := openDev(t, p, 57600, fastOpts())
	for i := 0; i < 2; i++ {
		if err := d.Reset(ctxT(t)); err != nil {
			t.Fatalf("Reset %d: %v", i, err)
		}
		if _, err := d.TempleteNum(ctxT(t)); err != nil {
			t.Fatalf("after Reset %d: %v", i, err)
		}
	}
	if s := p.Stats(); s.PowerUps != 2 {
		t.Errorf("module booted %d times, want 2", s.PowerUps)
	}
	if s := d.Stats(); s.Corrupt != 0 || s.Resets != 2 {
		t.Errorf("driver: %d corrupt frames, %d resets; want 0, 2", s.Corrupt, s.Resets)
	}
}

// TestImageSizeMismatch: a module without ReadProdInfo whose frame is not
// the configured size gives ErrImageSize at once, not retries.
func TestImageSizeMismatch(t *testing.T) {
	for _, size := range []image.Point{{200, 200}, {320, 320}} {
		m := sensorsim.R307
		m.Size = size
		p := startSim(t, sensorsim.Config{Model: m})
		d := openDev(t, p, 57600, fastOpts()) // configured 256x288
		p.PlaceFinger(ridges(size.X, size.Y))
		_, err := d.Capture(ctxT(t))
		if !errors.Is(err, zfm.ErrImageSize) {
			t.Errorf("module frame %v: got %v, want ErrImageSize", size, err)
		}
		if n := p.Stats().Commands[zfm.InsUpImage]; n != 1 {
			t.Errorf("module frame %v: %d uploads, want 1", size, n)
		}
	}
}

// TestLateAnswer: a module that answers after the driver gave up. The
// late acknowledge must not be taken as the answer to a later
// instruction.
func TestLateAnswer(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	d := openDev(t, p, 57600, fastOpts())
	ctx := ctxT(t)
	// The first answer comes after the driver's deadline, so it asks
	// again; the answer to the repeat comes after the driver moved on to
	// ReadSysPara, which must skip it.
	p.Inject(sensorsim.Fault{Kind: sensorsim.FaultLate, Delay: 400 * time.Millisecond})
	p.Inject(sensorsim.Fault{Kind: sensorsim.FaultLate, Delay: 100 * time.Millisecond, Skip: 1})
	if n, err := d.TempleteNum(ctx); err != nil || n != 0 {
		t.Fatalf("TempleteNum answered late: got %d, %v", n, err)
	}
	sp, err := d.ReadSysPara(ctx)
	if err != nil || sp.PacketSize != 256 {
		t.Fatalf("ReadSysPara after a late answer: got %+v, %v", sp, err)
	}
	if n, err := d.GetRandomCode(ctx); err != nil {
		t.Fatalf("GetRandomCode: %d, %v", n, err)
	}
	if s := d.Stats(); s.Timeouts != 1 || s.Stale != 1 {
		t.Errorf("%d timeouts, %d late acknowledges skipped; want 1, 1", s.Timeouts, s.Stale)
	}
}

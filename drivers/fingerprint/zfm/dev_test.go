package zfm_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint"
	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

func wantStatus(t *testing.T, err error, want zfm.Status) {
	t.Helper()
	var st zfm.Status
	if !errors.As(err, &st) || st != want {
		t.Fatalf("got error %v, want status %#02x", err, byte(want))
	}
}

// TestInstructions runs every instruction against the simulator and
// checks its effect on the module's state.
func TestInstructions(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	d := openDev(t, p, 57600, fastOpts())
	ctx := ctxT(t)
	finger := ridges(256, 288)
	p.PlaceFinger(finger)

	if err := d.HandShake(ctx); err != nil {
		t.Fatalf("HandShake: %v", err)
	}
	if err := d.VfyPwd(ctx, 0); err != nil {
		t.Fatalf("VfyPwd(0): %v", err)
	}
	if err := d.VfyPwd(ctx, 7); !errors.Is(err, zfm.ErrWrongPassword) {
		t.Fatalf("VfyPwd(7): got %v, want ErrWrongPassword", err)
	}
	for _, buf := range []byte{1, 2} {
		if err := d.GenImg(ctx); err != nil {
			t.Fatalf("GenImg: %v", err)
		}
		if err := d.Img2Tz(ctx, buf); err != nil {
			t.Fatalf("Img2Tz(%d): %v", buf, err)
		}
	}
	if score, err := d.Match(ctx); err != nil || score != 200 {
		t.Fatalf("Match: got %d, %v; want 200, nil", score, err)
	}
	if err := d.RegModel(ctx); err != nil {
		t.Fatalf("RegModel: %v", err)
	}
	if err := d.Store(ctx, 1, 5); err != nil {
		t.Fatalf("Store: %v", err)
	}
	wantStatus(t, d.Store(ctx, 1, 5000), zfm.StatusBadPage)
	if n, err := d.TempleteNum(ctx); err != nil || n != 1 {
		t.Fatalf("TempleteNum: got %d, %v; want 1", n, err)
	}
	tbl, err := d.ReadIndexTable(ctx, 0)
	if err != nil || tbl[0] != 1<<5 {
		t.Fatalf("ReadIndexTable: got % X, %v; want bit 5", tbl, err)
	}
	if page, score, err := d.Search(ctx, 1, 0, 100); err != nil || page != 5 || score == 0 {
		t.Fatalf("Search: got page %d score %d, %v; want page 5", page, score, err)
	}
	tmpl, err := d.UpChar(ctx, 1)
	if err != nil {
		t.Fatalf("UpChar: %v", err)
	}
	if want := p.Char(1); len(tmpl) != 512 || !bytes.Equal(tmpl, want) {
		t.Fatalf("UpChar: got %d bytes, want the module's %d", len(tmpl), len(want))
	}
	other := bytes.Repeat([]byte{0x5A}, 512)
	if err := d.DownChar(ctx, 2, other); err != nil {
		t.Fatalf("DownChar: %v", err)
	}
	// DownChar sends no acknowledge: the next exchange proves it landed.
	if _, err := d.Match(ctx); !errors.Is(err, zfm.ErrNoMatch) {
		t.Fatalf("Match after DownChar: got %v, want ErrNoMatch", err)
	}
	if got := p.Char(2); !bytes.Equal(got, other) {
		t.Fatalf("DownChar: module holds %d bytes, want the 512 sent", len(got))
	}
	if err := d.LoadChar(ctx, 2, 5); err != nil {
		t.Fatalf("LoadChar: %v", err)
	}
	if !bytes.Equal(p.Char(2), tmpl) {
		t.Fatalf("LoadChar: buffer 2 is not the stored template")
	}
	wantStatus(t, d.LoadChar(ctx, 2, 6), zfm.StatusReadTemplate)
	if err := d.DeletChar(ctx, 5, 1); err != nil {
		t.Fatalf("DeletChar: %v", err)
	}
	if _, _, err := d.Search(ctx, 1, 0, 100); !errors.Is(err, zfm.ErrNoMatch) {
		t.Fatalf("Search after DeletChar: got %v, want ErrNoMatch", err)
	}
	if err := d.Store(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := d.Empty(ctx); err != nil {
		t.Fatalf("Empty: %v", err)
	}
	if n, _ := d.TempleteNum(ctx); n != 0 || p.Templates() != 0 {
		t.Fatalf("after Empty: %d templates (module %d), want 0", n, p.Templates())
	}
	a, err := d.GetRandomCode(ctx)
	if err != nil {
		t.Fatalf("GetRandomCode: %v", err)
	}
	if b, _ := d.GetRandomCode(ctx); a == b {
		t.Errorf("GetRandomCode: %08x twice", a)
	}
	if err := d.SetSysPara(ctx, zfm.ParamSecurity, 5); err != nil {
		t.Fatalf("SetSysPara: %v", err)
	}
	wantStatus(t, d.SetSysPara(ctx, zfm.ParamSecurity, 9), zfm.StatusBadRegisterValue)
	sp, err := d.ReadSysPara(ctx)
	if err != nil {
		t.Fatalf("ReadSysPara: %v", err)
	}
	if want := (zfm.SysPara{Status: 1 << 3, SystemID: 9, LibrarySize: 1000, SecurityLevel: 5, Address: zfm.DefaultAddress, PacketSize: 256, Baud: 57600}); sp != want {
		t.Errorf("ReadSysPara: got %+v, want %+v", sp, want)
	}
	img, err := d.UpImage(ctx)
	if err != nil {
		t.Fatalf("UpImage: %v", err)
	}
	if want := sensorsim.Quantize(finger, image.Pt(256, 288)); !bytes.Equal(img.Pix, want.Pix) {
		t.Errorf("UpImage: image differs from the quantised served one")
	}
	down := ridges(256, 288)
	for i := range down.Pix {
		down.Pix[i] = 255 - down.Pix[i]
	}
	if err := d.DownImage(ctx, down); err != nil {
		t.Fatalf("DownImage: %v", err)
	}
	if err := d.HandShake(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := p.Image(), sensorsim.Quantize(down, image.Pt(256, 288)); got == nil || !bytes.Equal(got.Pix, want.Pix) {
		t.Errorf("DownImage: module image differs from the one sent")
	}
	if err := d.DownImage(ctx, ridges(10, 10)); !errors.Is(err, zfm.ErrArgument) {
		t.Errorf("DownImage of a wrong size: got %v, want ErrArgument", err)
	}
	// R307 has no CheckSensor, no ring LED, no ReadProdInfo.
	if err := d.CheckSensor(ctx); !errors.Is(err, zfm.ErrUnsupported) {
		t.Errorf("CheckSensor on R307: got %v, want ErrUnsupported", err)
	}
	if err := d.Health(ctx); err != nil {
		t.Errorf("Health: %v", err)
	}
	if err := d.SetLED(ctx, fingerprint.LEDOK); err != nil {
		t.Errorf("SetLED on a module without LED: %v", err)
	}
	if _, err := d.ReadProdInfo(ctx); !errors.Is(err, zfm.ErrUnsupported) {
		t.Errorf("ReadProdInfo on R307: got %v, want ErrUnsupported", err)
	}
	if err := d.SoftRst(ctx); err != nil {
		t.Fatalf("SoftRst: %v", err)
	}
	if p.Image() != nil {
		t.Errorf("image buffer survived SoftRst")
	}
	if err := d.HandShake(ctx); err != nil {
		t.Fatalf("HandShake after SoftRst: %v", err)
	}
	if s := p.Stats(); s.PowerUps != 1 {
		t.Errorf("module booted %d times, want 1", s.PowerUps)
	}
}

func TestR503(t *testing.T) {
	p := startSim(t, sensorsim.Config{Model: sensorsim.R503})
	d := openDev(t, p, 57600, fastOpts())
	ctx := ctxT(t)
	info := d.Info()
	if info.Model != "R503" || info.Size != image.Pt(192, 192) || info.Depth != 4 || info.Serial == "" {
		t.Errorf("Info: got %+v, want R503 192x192 4-bit with a serial", info)
	}
	pi, err := d.ReadProdInfo(ctx)
	if err != nil || pi.Width != 192 || pi.LibrarySize != 200 || pi.SensorModel != "SIM-FPS" {
		t.Errorf("ReadProdInfo: got %+v, %v", pi, err)
	}
	if err := d.CheckSensor(ctx); err != nil {
		t.Errorf("CheckSensor: %v", err)
	}
	for _, tc := range []struct {
		led  fingerprint.LED
		want [4]byte
	}{
		{fingerprint.LEDIdle, [4]byte{zfm.AuraBreathing, 0x80, zfm.ColorBlue, 0}},
		{fingerprint.LEDCapture, [4]byte{zfm.AuraOn, 0, zfm.ColorPurple, 0}},
		{fingerprint.LEDOK, [4]byte{zfm.AuraOn, 0, zfm.ColorGreen, 0}},
		{fingerprint.LEDFail, [4]byte{zfm.AuraFlashing, 0x20, zfm.ColorRed, 3}},
		{fingerprint.LEDOff, [4]byte{zfm.AuraOff, 0, 0, 0}},
	} {
		if err := d.SetLED(ctx, tc.led); err != nil {
			t.Fatalf("SetLED(%d): %v", tc.led, err)
		}
		if got := p.LED(); got != tc.want {
			t.Errorf("SetLED(%d): module LED % X, want % X", tc.led, got, tc.want)
		}
	}
	if err := d.AuraLedConfig(ctx, 9, 0, 1, 0); !errors.Is(err, zfm.Status(zfm.StatusBadRegisterValue)) {
		t.Errorf("AuraLedConfig(9): got %v, want bad register value", err)
	}
	finger := ridges(400, 400) // cropped to 192x192
	p.PlaceFinger(finger)
	if err := d.GenImg(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Img2Tz(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The R503's template is 1536 bytes: read until PID 08, whatever the
	// length.
	if tmpl, err := d.UpChar(ctx, 1); err != nil || len(tmpl) != 1536 || !bytes.Equal(tmpl, p.Char(1)) {
		t.Errorf("UpChar: %d bytes, %v; want the module's 1536", len(tmpl), err)
	}
	img, err := d.Capture(ctx)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	if want := sensorsim.Quantize(finger, image.Pt(192, 192)); img.Rect != want.Rect || !bytes.Equal(img.Pix, want.Pix) {
		t.Errorf("Capture: image %v differs from the served %v", img.Rect, want.Rect)
	}
}

func TestStatusErrors(t *testing.T) {
	p := startSim(t, sensorsim.Config{Model: sensorsim.R503, SensorFault: true})
	d := openDev(t, p, 57600, fastOpts())
	ctx := ctxT(t)
	err := d.GenImg(ctx)
	if !errors.Is(err, fingerprint.ErrNoFinger) {
		t.Errorf("GenImg without finger: got %v, want ErrNoFinger", err)
	}
	wantStatus(t, err, zfm.StatusNoFinger)
	wantStatus(t, d.Img2Tz(ctx, 1), zfm.StatusNoImage)
	blank := image.NewGray(image.Rect(0, 0, 192, 192))
	p.PlaceFinger(blank)
	if err := d.GenImg(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Img2Tz(ctx, 1); !errors.Is(err, fingerprint.ErrPoorImage) {
		t.Errorf("Img2Tz of a blank image: got %v, want ErrPoorImage", err)
	}
	wantStatus(t, d.Img2Tz(ctx, 7), zfm.StatusBadRegister)
	if err := d.RegModel(ctx); !errors.Is(err, zfm.Status(zfm.StatusCombineFail)) {
		t.Errorf("RegModel: got %v, want combine failure", err)
	}
	if err := d.Health(ctx); !errors.Is(err, zfm.ErrSensorHardware) {
		t.Errorf("Health of a faulty sensor: got %v, want ErrSensorHardware", err)
	}
	if _, err := d.ReadIndexTable(ctx, 4); !errors.Is(err, zfm.ErrArgument) {
		t.Errorf("ReadIndexTable(4): got %v, want ErrArgument", err)
	}
	if s := d.Stats(); s.Retries != 0 {
		t.Errorf("status errors caused %d retries, want 0", s.Retries)
	}
}

func TestCaptureWaitsForFinger(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	d := openDev(t, p, 57600, fastOpts())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := d.Capture(ctx); !errors.Is(err, fingerprint.ErrNoFinger) {
		t.Fatalf("Capture without finger: got %v, want ErrNoFinger", err)
	}
	polls := p.Stats().Commands[zfm.InsGenImg]
	if polls < 2 {
		t.Errorf("Capture polled GenImg %d times in 100 ms, want several", polls)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		p.PlaceFinger(ridges(256, 288))
	}()
	if _, err := d.Capture(ctxT(t)); err != nil {
		t.Fatalf("Capture with a finger placed later: %v", err)
	}
}

func TestPassword(t *testing.T) {
	cfg := sensorsim.Config{Password: 0x1234ABCD}
	p := startSim(t, cfg)
	if _, err := openDevErr(t, p, 57600, fastOpts()); !errors.Is(err, zfm.ErrWrongPassword) {
		t.Fatalf("New without the password: got %v, want ErrWrongPassword", err)
	}
	o := fastOpts()
	o.Password = 0x1234ABCD
	d := openDev(t, p, 57600, o)
	if _, err := d.TempleteNum(ctxT(t)); err != nil {
		t.Fatalf("after VfyPwd: %v", err)
	}
	// After a reset the module wants the password again; the driver
	// verifies it while reconnecting.
	if err := d.Reset(ctxT(t)); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if _, err := d.TempleteNum(ctxT(t)); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

func TestPasswordRequiredStatus(t *testing.T) {
	err := error(zfm.Status(zfm.StatusPasswordRequired))
	if !errors.Is(err, zfm.ErrPasswordRequired) {
		t.Errorf("status 0x21: errors.Is ErrPasswordRequired false")
	}
}

func TestFaults(t *testing.T) {
	type check func(t *testing.T, d *zfm.Dev, p *sensorsim.PTY, inject func())
	upImage := func(wantUploads int) check {
		return func(t *testing.T, d *zfm.Dev, p *sensorsim.PTY, inject func()) {
			finger := ridges(256, 288)
			p.PlaceFinger(finger)
			ctx := ctxT(t)
			if err := d.GenImg(ctx); err != nil {
				t.Fatal(err)
			}
			timeouts := d.Stats().Timeouts
			inject()
			img, err := d.UpImage(ctx)
			if err != nil {
				t.Fatalf("UpImage: %v", err)
			}
			if want := sensorsim.Quantize(finger, image.Pt(256, 288)); !bytes.Equal(img.Pix, want.Pix) {
				t.Fatalf("UpImage: image differs from the served one")
			}
			// A loaded machine may starve the reader past a deadline: each
			// such timeout is a counted, legitimate repeat.
			extra := d.Stats().Timeouts - timeouts
			if got := p.Stats().Commands[zfm.InsUpImage]; got != wantUploads+extra {
				t.Errorf("module served %d uploads, want %d (+%d after timeouts)", got, wantUploads, extra)
			}
		}
	}
	templeteNum := func(wantCmds int) check {
		return func(t *testing.T, d *zfm.Dev, p *sensorsim.PTY, inject func()) {
			inject()
			if _, err := d.TempleteNum(ctxT(t)); err != nil {
				t.Fatalf("TempleteNum: %v", err)
			}
			if got := p.Stats().Commands[zfm.InsTempleteNum]; got != wantCmds {
				t.Errorf("module got %d TempleteNum, want %d", got, wantCmds)
			}
		}
	}
	cases := []struct {
		name   string
		faults []sensorsim.Fault
		run    check
	}{
		{"garbage before the acknowledge", []sensorsim.Fault{{Kind: sensorsim.FaultGarbage}}, templeteNum(1)},
		{"stray power-up bytes", []sensorsim.Fault{{Kind: sensorsim.FaultPowerUp}}, templeteNum(1)},
		{"bad checksum on the acknowledge", []sensorsim.Fault{{Kind: sensorsim.FaultBadChecksum}}, templeteNum(2)},
		{"short acknowledge", []sensorsim.Fault{{Kind: sensorsim.FaultShort}}, templeteNum(2)},
		{"split writes during an upload", []sensorsim.Fault{{Kind: sensorsim.FaultSplit}}, upImage(1)},
		{"garbage before an upload", []sensorsim.Fault{{Kind: sensorsim.FaultGarbage}}, upImage(1)},
		{"bad checksum in data packet 5", []sensorsim.Fault{{Kind: sensorsim.FaultBadChecksum, Frame: 5}}, upImage(2)},
		{"short data packet 3", []sensorsim.Fault{{Kind: sensorsim.FaultShort, Frame: 3}}, upImage(2)},
		{"bad last data packet", []sensorsim.Fault{{Kind: sensorsim.FaultBadChecksum, Frame: 144}}, upImage(2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := startSim(t, sensorsim.Config{})
			d := openDev(t, p, 57600, fastOpts())
			tc.run(t, d, p, func() {
				for _, f := range tc.faults {
					p.Inject(f)
				}
			})
		})
	}
}

func TestCorruptEveryAttempt(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	d := openDev(t, p, 57600, fastOpts())
	ctx := ctxT(t)
	p.PlaceFinger(ridges(256, 288))
	if err := d.GenImg(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		p.Inject(sensorsim.Fault{Kind: sensorsim.FaultBadChecksum, Frame: 2, Skip: i})
	}
	_, err := d.UpImage(ctx)
	if !errors.Is(err, zfm.ErrCorrupt) || !errors.Is(err, zfm.ErrChecksum) {
		t.Fatalf("UpImage with every attempt corrupted: got %v, want ErrCorrupt and ErrChecksum", err)
	}
	if got := p.Stats().Commands[zfm.InsUpImage]; got != 3 {
		t.Errorf("module served %d uploads, want 3 attempts", got)
	}
	// The link recovers.
	if _, err := d.UpImage(ctx); err != nil {
		t.Fatalf("UpImage afterwards: %v", err)
	}
}

func TestSilentUntilPowerCycle(t *testing.T) {
	t.Run("with a reset pin", func(t *testing.T) {
		sim := sensorsim.New(sensorsim.Config{PowerUpDelay: 10 * time.Millisecond})
		p, err := sensorsim.ServePTY(sim)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		pin := sensorsim.NewPowerPin(sim)
		port, err := zfm.OpenPort(p.Path(), 57600)
		if err != nil {
			t.Fatal(err)
		}
		d, err := zfm.New(ctxT(t), port, pin, fastOpts())
		if err != nil {
			t.Fatal(err)
		}
		defer d.Halt()
		p.Inject(sensorsim.Fault{Kind: sensorsim.FaultSilent})
		n, err := d.TempleteNum(ctxT(t))
		if err != nil || n != 0 {
			t.Fatalf("TempleteNum from a silent module: got %d, %v; want a power cycle and 0", n, err)
		}
		if pin.CutCount() != 1 || d.Stats().Resets != 1 {
			t.Errorf("power cut %d times, %d resets; want 1", pin.CutCount(), d.Stats().Resets)
		}
	})
	t.Run("without", func(t *testing.T) {
		p := startSim(t, sensorsim.Config{})
		d := openDev(t, p, 57600, fastOpts())
		p.Inject(sensorsim.Fault{Kind: sensorsim.FaultSilent})
		_, err := d.TempleteNum(ctxT(t))
		if !errors.Is(err, fingerprint.ErrNotResponding) {
			t.Fatalf("TempleteNum from a silent module: got %v, want ErrNotResponding", err)
		}
		if s := d.Stats(); s.Timeouts != 3 {
			t.Errorf("%d timeouts, want 3 attempts", s.Timeouts)
		}
	})
}

func TestNoModule(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sensorsim.Config
		opts func(*zfm.Opts)
	}{
		{"wrong address", sensorsim.Config{}, func(o *zfm.Opts) { o.Address = 0x01020304 }},
		{"module at a rate not probed", sensorsim.Config{Baud: 19200}, func(o *zfm.Opts) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSim(t, tc.cfg)
			o := fastOpts()
			tc.opts(o)
			if _, err := openDevErr(t, p, 57600, o); !errors.Is(err, zfm.ErrNoBaud) {
				t.Fatalf("New: got %v, want ErrNoBaud", err)
			}
		})
	}
}

func TestPacketSize(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        sensorsim.Config
		want       int
		wantModule int
	}{
		{"raised to 256", sensorsim.Config{PacketSize: 32}, 256, 256},
		{"256 refused: 128", sensorsim.Config{PacketSize: 32, RejectPacketSizes: []int{256}}, 128, 128},
		{"module sends 64 while reporting 256", sensorsim.Config{PacketSize: 256, SendPacketSize: 64}, 64, 256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSim(t, tc.cfg)
			d := openDev(t, p, 57600, fastOpts())
			ctx := ctxT(t)
			p.PlaceFinger(ridges(256, 288))
			if err := d.GenImg(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := d.UpImage(ctx); err != nil {
				t.Fatalf("UpImage: %v", err)
			}
			if got := d.Stats().PacketSize; got != tc.want {
				t.Errorf("driver packet size %d, want %d", got, tc.want)
			}
			if got := p.PacketSize(); got != tc.wantModule {
				t.Errorf("module packet size %d, want %d", got, tc.wantModule)
			}
			tmpl := bytes.Repeat([]byte{1, 2, 3}, 200)
			if err := d.DownChar(ctx, 1, tmpl); err != nil {
				t.Fatal(err)
			}
			got, err := d.UpChar(ctx, 1)
			if err != nil || !bytes.Equal(got, tmpl) {
				t.Errorf("DownChar then UpChar: %d bytes, %v; want the 600 sent", len(got), err)
			}
		})
	}
}

func TestBaud(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      sensorsim.Config
		portBaud int
		baud     int
		scan     bool
		want     int
	}{
		{"raised to 115200 after reset", sensorsim.Config{}, 57600, 115200, false, 115200},
		{"module switches at once", sensorsim.Config{BaudChange: sensorsim.BaudImmediate}, 57600, 115200, false, 115200},
		{"module acknowledges but keeps its rate", sensorsim.Config{BaudChange: sensorsim.BaudIgnored}, 57600, 115200, false, 57600},
		{"115200 refused", sensorsim.Config{RejectBauds: []int{115200}}, 57600, 115200, false, 57600},
		{"port opened at the wrong rate", sensorsim.Config{Baud: 115200}, 9600, 115200, false, 115200},
		{"module left at the factory rate", sensorsim.Config{}, 115200, 115200, false, 115200},
		{"lowered to the preferred rate", sensorsim.Config{Baud: 115200}, 115200, 57600, false, 57600},
		{"scan finds 19200", sensorsim.Config{Baud: 19200}, 57600, 0, true, 19200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSim(t, tc.cfg)
			o := fastOpts()
			o.Baud, o.ScanBauds = tc.baud, tc.scan
			d := openDev(t, p, tc.portBaud, o)
			if got := d.Stats().Baud; got != tc.want {
				t.Errorf("driver at %d baud, want %d", got, tc.want)
			}
			if got := p.Baud(); got != tc.want {
				t.Errorf("module at %d baud, want %d", got, tc.want)
			}
			if _, err := d.TempleteNum(ctxT(t)); err != nil {
				t.Errorf("TempleteNum after negotiation: %v", err)
			}
		})
	}
}

func TestNewArguments(t *testing.T) {
	for _, o := range []zfm.Opts{{PacketSize: 100}, {Size: image.Pt(3, 4)}} {
		if _, err := zfm.New(context.Background(), &bytes.Buffer{}, nil, &o); !errors.Is(err, zfm.ErrArgument) {
			t.Errorf("New(%+v): got %v, want ErrArgument", o, err)
		}
	}
}

func TestHalt(t *testing.T) {
	p := startSim(t, sensorsim.Config{})
	d := openDev(t, p, 57600, fastOpts())
	if err := d.Halt(); err != nil {
		t.Fatalf("Halt: %v", err)
	}
	if _, err := d.TempleteNum(ctxT(t)); !errors.Is(err, zfm.ErrHalted) {
		t.Errorf("after Halt: got %v, want ErrHalted", err)
	}
}

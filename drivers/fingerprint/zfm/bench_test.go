package zfm_test

import (
	"fmt"
	"image"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

// BenchmarkUpImage uploads a 256x288 R307 image from the paced simulator
// with 256-byte packets and reports wire-eff: the time the bytes need on
// the wire (10 bits a byte) over the measured time; payload-eff counts
// only the image bytes.
func BenchmarkUpImage(b *testing.B) {
	for _, baud := range []int{57600, 115200} {
		b.Run(fmt.Sprintf("baud=%d", baud), func(b *testing.B) {
			// A factory-fresh module (57600 baud, 32-byte packets): the
			// driver negotiates up to the rate under test and 256 bytes.
			p := startSim(b, sensorsim.Config{PacketSize: 32, Paced: true})
			o := fastOpts()
			o.Baud = baud
			d := openDev(b, p, zfm.DefaultBaud, o)
			if s := d.Stats(); s.PacketSize != 256 || s.Baud != baud {
				b.Fatalf("negotiated %d baud, %d-byte packets; want %d, 256", s.Baud, s.PacketSize, baud)
			}
			ctx := ctxT(b)
			p.PlaceFinger(ridges(256, 288))
			if err := d.GenImg(ctx); err != nil {
				b.Fatal(err)
			}
			before := d.Stats()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := d.UpImage(ctx); err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			after := d.Stats()
			if after.Retries != before.Retries {
				b.Fatalf("%d retries during the benchmark", after.Retries-before.Retries)
			}
			wire := after.TxBytes - before.TxBytes + after.RxBytes - before.RxBytes
			wireTime := time.Duration(wire) * 10 * time.Second / time.Duration(baud)
			payload := int64(b.N) * 256 * 288 / 2
			payloadTime := time.Duration(payload) * 10 * time.Second / time.Duration(baud)
			b.ReportMetric(wireTime.Seconds()/elapsed.Seconds(), "wire-eff")
			b.ReportMetric(payloadTime.Seconds()/elapsed.Seconds(), "payload-eff")
			b.ReportMetric(float64(wire)/float64(b.N), "wire-bytes/op")
		})
	}
}

// TestPacedDeadline: at the wire's real speed an upload takes seconds,
// far more than the module's processing allowance; the driver's deadline
// (1.5x the wire time plus the allowance) must let it finish, and the
// simulator must not beat the wire.
func TestPacedDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("paced")
	}
	p := startSim(t, sensorsim.Config{Model: sensorsim.R503, Baud: 115200, PacketSize: 256, Paced: true})
	o := fastOpts()
	o.Baud = 115200
	d := openDev(t, p, 115200, o)
	ctx := ctxT(t)
	p.PlaceFinger(ridges(192, 192))
	if err := d.GenImg(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	img, err := d.UpImage(ctx)
	if err != nil {
		t.Fatalf("paced UpImage (%v allowance, far less than the upload): %v", o.Latency, err)
	}
	elapsed := time.Since(start)
	if img.Rect.Size() != image.Pt(192, 192) {
		t.Fatalf("image %v", img.Rect)
	}
	bytes := 12 + 12 + 192*192/2 + 72*zfm.Overhead
	wire := time.Duration(bytes) * 10 * time.Second / 115200
	if elapsed < wire {
		t.Errorf("upload took %v, less than the wire time %v: the simulator is not paced", elapsed, wire)
	}
	if d.Stats().Retries != 0 {
		t.Errorf("%d retries", d.Stats().Retries)
	}
}

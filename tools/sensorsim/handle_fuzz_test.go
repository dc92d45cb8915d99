package sensorsim

import (
	"bytes"
	"image"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
)

// FuzzHostBytes feeds arbitrary host bytes (after a valid command, to
// reach every instruction's parameter parsing) to the module: it must
// never panic, and everything it sends must be well-formed packets.
func FuzzHostBytes(f *testing.F) {
	for _, ins := range []byte{zfm.InsGenImg, zfm.InsImg2Tz, zfm.InsSearch, zfm.InsStore, zfm.InsLoadChar,
		zfm.InsUpChar, zfm.InsDownChar, zfm.InsDownImage, zfm.InsDeletChar, zfm.InsSetSysPara,
		zfm.InsVfyPwd, zfm.InsReadIndexTable, zfm.InsAuraLedConfig, zfm.InsSoftRst} {
		f.Add(ins, []byte{1, 0, 0, 0, 0xFF}, []byte{})
	}
	f.Add(zfm.InsDownChar, []byte{1}, zfm.AppendPacket(nil, zfm.DefaultAddress, zfm.PIDEndData, []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, ins byte, params []byte, tail []byte) {
		if len(params) > 250 {
			params = params[:250]
		}
		var out bytes.Buffer
		s := New(Config{Model: R503, PowerUpDelay: time.Hour}) // SoftRst never reboots here

		s.w = &out
		s.PlaceFinger(image.NewGray(image.Rect(0, 0, 10, 10)))
		s.receive(zfm.Command(zfm.DefaultAddress, zfm.InsGenImg))
		s.receive(zfm.Command(zfm.DefaultAddress, ins, params...))
		s.receive(tail)
		s.Close()
		var p zfm.Parser
		p.Feed(out.Bytes())
		for {
			_, err := p.Next()
			if err == zfm.ErrIncomplete {
				break
			}
			if err != nil {
				t.Fatalf("module sent a bad frame: %v", err)
			}
		}
		if p.Skipped > 0 {
			t.Fatalf("module sent %d bytes outside frames", p.Skipped)
		}
	})
}

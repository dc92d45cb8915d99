//go:build !release

package board

import (
	"context"
	"fmt"
	"image"
	"os"

	"github.com/regterm/regterm/drivers/display/virtual"
)

// openSimDisplay opens the virtual display: one PNG per shown frame into
// env.FramesDir when set, and the screen drawn live into the terminal
// (stdout) with half-block characters when env.Live.
func openSimDisplay(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	w, h := p.Display.Width, p.Display.Height
	if w == 0 || h == 0 {
		w, h = 240, 320
	}
	if p.Display.Rotation == 90 || p.Display.Rotation == 270 {
		w, h = h, w // as the ST7789 reports its bounds
	}
	o := &virtual.Opts{Dir: env.FramesDir}
	if env.Live {
		o.Term = os.Stdout
	}
	v, err := virtual.New(image.Pt(w, h), o)
	if err != nil {
		return fmt.Errorf("display: %w", err)
	}
	d.Display = v
	d.OnClose(v.Halt)
	env.Log.Info("board: sim: virtual display", "size", fmt.Sprintf("%dx%d", w, h), "frames", env.FramesDir, "live", env.Live)
	return nil
}

//go:build !release

package board

// PLACEHOLDER until the display issue lands: writes each frame as a PNG.
// The owner replaces it with drivers/display/virtual.

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
)

type pngDisplay struct {
	dir   string
	frame *image.RGBA
	n     int
}

func openSimDisplay(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	if env.FramesDir != "" {
		if err := os.MkdirAll(env.FramesDir, 0o755); err != nil {
			return err
		}
	}
	pd := &pngDisplay{dir: env.FramesDir, frame: image.NewRGBA(image.Rect(0, 0, p.Display.Width, p.Display.Height))}
	d.Display = pd
	d.OnClose(pd.Halt)
	return nil
}

func (p *pngDisplay) ColorModel() color.Model { return color.RGBAModel }
func (p *pngDisplay) Bounds() image.Rectangle { return p.frame.Bounds() }
func (p *pngDisplay) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	draw.Draw(p.frame, r, src, sp, draw.Src)
	if p.dir == "" {
		return nil
	}
	p.n++
	f, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("frame-%04d.png", p.n)))
	if err != nil {
		return err
	}
	defer f.Close()
	return png.Encode(f, p.frame)
}
func (p *pngDisplay) Backlight(uint8) error { return nil }
func (p *pngDisplay) Sleep(bool) error      { return nil }
func (p *pngDisplay) String() string        { return "png display " + p.dir }
func (p *pngDisplay) Halt() error           { return nil }

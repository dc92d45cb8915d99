package screen

// PLACEHOLDER until the display issue lands: the owner of this package
// replaces it with Thai shaping, QR codes, layouts and partial updates,
// keeping New / Opts / Renderer.Show / Renderer.Frame.

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/regterm/regterm/drivers/display"
	"github.com/regterm/regterm/firmware/enroll"
)

// Opts configures the renderer.
type Opts struct {
	Size     image.Point // panel size, default 240x320
	FontPath string      // Thai font (TTF/OTF); empty: the default
}

// Renderer draws screens onto a display, sending only what changed.
type Renderer struct {
	d     display.Display
	frame *image.RGBA
}

// New returns a renderer for d.
func New(d display.Display, o *Opts) (*Renderer, error) {
	return &Renderer{d: d, frame: image.NewRGBA(d.Bounds())}, nil
}

// Frame returns the last frame drawn.
func (r *Renderer) Frame() *image.RGBA { return r.frame }

// Show draws s.
func (r *Renderer) Show(s enroll.Screen) error {
	draw.Draw(r.frame, r.frame.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	dr := font.Drawer{Dst: r.frame, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13, Dot: fixed.P(10, 30)}
	dr.DrawString(s.ID.String())
	if s.Code != "" {
		dr.Dot = fixed.P(10, 50)
		dr.DrawString(fmt.Sprintf("code %s", s.Code))
	}
	return r.d.Draw(r.frame.Bounds(), r.frame, r.frame.Bounds().Min)
}

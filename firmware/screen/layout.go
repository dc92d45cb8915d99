package screen

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"time"

	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/regterm/regterm/firmware/enroll"
)

// The layouts are designed on a 240x320 portrait panel; other sizes scale.
const (
	designW = 240
	designH = 320
)

type align int

const (
	center align = iota
	left
	right
)

// compose draws s into r.back.
func (r *Renderer) compose(s enroll.Screen) error {
	draw.Draw(r.back, r.back.Bounds(), image.NewUniform(colBG), image.Point{}, draw.Src)
	r.statusBar(s)
	t := screenTexts[s.ID]
	switch s.ID {
	case enroll.ScreenQR:
		r.title(t.title, 20, 14)
		return r.qrScreen(s)
	case enroll.ScreenError, enroll.ScreenOutboxFull:
		r.errorScreen(s)
		return nil
	}
	r.title(t.title, 24, 16)
	bodyY := 196
	switch s.ID {
	case enroll.ScreenLogin:
		r.card(44, 112, false)
		r.fingerprint(176, 138, 26, colAccent)
	case enroll.ScreenReady:
		r.card(78, 106, false)
		r.arrow(120, 178, true)
	case enroll.ScreenRemoveCard:
		r.card(78, 124, false)
		r.arrow(120, 112, false)
	case enroll.ScreenReadingCard:
		p := max(0, min(100, s.Progress))
		r.fill(r.rect(20, 140, 220, 156), colTrack)
		r.fill(r.rect(20, 140, 20+200*p/100, 156), colAccent)
		r.text(fmt.Sprintf("%d%%", p), 22, true, colText, r.rect(8, 160, 232, 190), center)
		bodyY = 204
	case enroll.ScreenConsent:
		v := clean(s.NoticeVersion, 12)
		r.text(fmt.Sprintf(txtNotice.th, v)+" · "+fmt.Sprintf(txtNotice.en, v), 14, false, colSubtle, r.rect(8, 92, 232, 112), center)
		r.button(8, 234, 116, 312, colGood, txtConfirm)
		r.button(124, 234, 232, 312, colBad, txtRefuse)
		bodyY = 136
	case enroll.ScreenPlaceFinger:
		r.placeFinger(s)
		return nil
	case enroll.ScreenMatching, enroll.ScreenSigning:
		for i := 0; i < 3; i++ {
			r.disc(96+24*i, 150, 7, colAccent)
		}
	case enroll.ScreenDone:
		r.check(120, 142, 40)
	}
	r.pair(t.body, bodyY, 19, 14, colText)
	return nil
}

// statusBar is the top line: officer, queue depth, uplink.
func (r *Renderer) statusBar(s enroll.Screen) {
	bar := colBar
	off := clean(s.Officer, 16)
	if s.Officer == "" {
		off = txtNoOffice
	}
	if s.DevKey { // never mistaken for a production terminal
		bar, off = colBad, "DEV KEY "+off
	}
	r.fill(r.rect(0, 0, designW, 22), bar)
	r.text(off, 12, true, colBarText, r.rect(6, 0, 120, 22), left)
	st, dot := txtOffline, colOffline
	if s.Online {
		st, dot = txtOnline, colGood
	}
	r.text(st, 12, false, colBarText, r.rect(170, 0, 234, 22), right)
	r.disc(162, 11, 4, dot)
	r.text(fmt.Sprintf(txtQueue, max(0, s.QueueDepth)), 12, false, colBarText, r.rect(96, 0, 152, 22), right)
}

// title is the screen's Thai and English title.
func (r *Renderer) title(t bi, th, en int) {
	h := th + th/2
	r.text(t.th, th, true, colText, r.rect(6, 26, 234, 26+h), center)
	r.text(t.en, en, false, colSubtle, r.rect(6, 26+h, 234, 26+h+en+en/2), center)
}

// pair is a Thai line over its English line, starting at y.
func (r *Renderer) pair(t bi, y, th, en int, c color.Color) {
	h := th + th/2
	r.text(t.th, th, false, c, r.rect(6, y, 234, y+h), center)
	r.text(t.en, en, false, colSubtle, r.rect(6, y+h, 234, y+h+en+en/2), center)
}

func (r *Renderer) placeFinger(s enroll.Screen) {
	r.fingerprint(120, 128, 30, colAccent)
	if s.MaxAttempts > 0 {
		n := min(s.MaxAttempts, 10)
		x0 := 120 - (n-1)*9
		for i := 0; i < n; i++ {
			c := colTrack
			if i < s.Attempt {
				c = colAccent
			}
			r.disc(x0+18*i, 172, 5, c)
		}
		a := max(0, min(s.Attempt, s.MaxAttempts))
		r.text(fmt.Sprintf(txtAttempt.th, a, s.MaxAttempts)+" · "+fmt.Sprintf(txtAttempt.en, a, s.MaxAttempts),
			12, false, colSubtle, r.rect(6, 180, 234, 198), center)
	}
	hint := screenTexts[enroll.ScreenPlaceFinger].body
	hc := colText
	if s.Quality >= 0 {
		q := min(s.Quality, 100)
		c := colGood
		hint = txtGood
		switch {
		case q < 40:
			c, hint = colBad, txtPoor
		case q < 60:
			c, hint = colFair, txtFair
		}
		hc = c
		r.fill(r.rect(30, 206, 210, 216), colTrack)
		r.fill(r.rect(30, 206, 30+180*q/100, 216), c)
		r.text(fmt.Sprintf(txtQuality.th, q)+" · "+fmt.Sprintf(txtQuality.en, q), 13, false, colSubtle, r.rect(6, 218, 234, 238), center)
	}
	r.pair(hint, 246, 19, 14, hc)
}

func (r *Renderer) qrScreen(s enroll.Screen) error {
	area := r.rect(0, 78, designW, 288)
	side := min(area.Dx(), area.Dy())
	if r.qr.plan == nil || r.qr.token != s.QRToken || r.qr.side != side {
		p, err := planQR(s.QRToken, side, r.opts.QRMinModule)
		if err != nil {
			return err
		}
		r.qr.token, r.qr.side, r.qr.plan = s.QRToken, side, p
	}
	r.qr.plan.draw(r.back, area)
	secs := int(math.Ceil(s.Remaining.Seconds()))
	if s.Remaining < 0 {
		secs = 0
	}
	secs = min(secs, 999)
	c := colText
	if s.Remaining <= 10*time.Second {
		c = colBad
	}
	r.text(fmt.Sprint(secs), 24, true, c, r.rect(92, 288, 148, 320), center)
	r.text(txtLeft.th, 12, false, colSubtle, r.rect(6, 288, 88, 304), right)
	r.text(txtLeft.en, 10, false, colSubtle, r.rect(6, 304, 88, 318), right)
	r.text(txtSeconds.th, 12, false, colSubtle, r.rect(152, 288, 234, 304), left)
	r.text(txtSeconds.en, 10, false, colSubtle, r.rect(152, 304, 234, 318), left)
	return nil
}

func (r *Renderer) errorScreen(s enroll.Screen) {
	code := clean(s.Code, 8)
	if s.ID == enroll.ScreenOutboxFull && s.Code == "" {
		code = enroll.CodeOutboxFull
	}
	et, ok := errorTexts[code]
	if !ok {
		et = unknownError
	}
	if code == "" {
		code = "E???"
	}
	t := screenTexts[s.ID].title
	r.fill(r.rect(0, 22, designW, 90), colErrBG)
	r.text(t.th, 22, true, colBad, r.rect(6, 26, 234, 58), center)
	r.text(t.en, 15, false, colBad, r.rect(6, 58, 234, 82), center)
	box := r.rect(64, 96, 176, 138)
	r.fill(box, colBad)
	r.fill(box.Inset(max(1, r.px(2))), colBG)
	r.text(code, 26, true, colBad, box, center)
	r.pair(et.what, 144, 18, 14, colText)
	r.fill(r.rect(30, 198, 210, 199), colTrack)
	r.text(et.action.th, 18, true, colAccent, r.rect(6, 204, 234, 231), center)
	r.text(et.action.en, 14, false, colAccent, r.rect(6, 231, 234, 252), center)
	r.text(txtSupport.th, 13, false, colSubtle, r.rect(6, 270, 234, 290), center)
	r.text(txtSupport.en, 12, false, colSubtle, r.rect(6, 290, 234, 308), center)
}

// Drawing helpers, all in design coordinates.

func (r *Renderer) px(v int) int { return int(math.Round(float64(v) * r.scale)) }

func (r *Renderer) rect(x0, y0, x1, y1 int) image.Rectangle {
	return image.Rect(r.px(x0), r.px(y0), r.px(x1), r.px(y1)).Add(r.origin)
}

func (r *Renderer) fill(rc image.Rectangle, c color.Color) {
	draw.Draw(r.back, rc, image.NewUniform(c), image.Point{}, draw.Src)
}

// shaped returns t shaped at size pixels, cached.
func (r *Renderer) shaped(t string, size int, bold bool) *line {
	k := lineKey{t, size, bold}
	if l, ok := r.lines[k]; ok {
		return l
	}
	if len(r.lines) > 1024 {
		r.lines = map[lineKey]*line{}
	}
	l := r.fs.shape(&r.sh, t, size, bold)
	r.lines[k] = l
	return l
}

// text draws t at size (design pixels) in box: shrunk until it fits the
// width, centred vertically. Thai text is left out when there is no Thai
// font.
func (r *Renderer) text(t string, size int, bold bool, c color.Color, box image.Rectangle, a align) {
	if t == "" {
		return
	}
	if r.fs.thai == nil {
		t = stripThai(t)
		if t == "" {
			return
		}
	}
	px := max(6, r.px(size))
	l := r.shaped(t, px, bold)
	for l.width > fixed.I(box.Dx()) && px > max(6, r.px(size)*6/10) {
		px--
		l = r.shaped(t, px, bold)
	}
	if l.width > fixed.I(box.Dx()) {
		r.overflow = append(r.overflow, t)
	}
	var x fixed.Int26_6
	switch a {
	case left:
		x = fixed.I(box.Min.X)
	case right:
		x = fixed.I(box.Max.X) - l.width
	default:
		x = fixed.I(box.Min.X) + (fixed.I(box.Dx())-l.width)/2
	}
	h := l.ascent + l.descent
	y := (fixed.I(box.Min.Y) + (fixed.I(box.Dy())-h)/2 + l.ascent).Round()
	r.gc.drawLine(r.back, l, px, x, y, c)
}

// stripThai removes Thai runs and the separators around them.
func stripThai(t string) string {
	if !strings.ContainsFunc(t, isThai) {
		return t
	}
	var b strings.Builder
	for _, part := range strings.Split(t, " · ") {
		if !strings.ContainsFunc(part, isThai) {
			if b.Len() > 0 {
				b.WriteString(" · ")
			}
			b.WriteString(part)
		}
	}
	return b.String()
}

// clean keeps printable ASCII of s, at most n characters: the fields come
// from the state machine but must never break the layout.
func clean(s string, n int) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() == n {
			break
		}
		if c >= 0x20 && c < 0x7F {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// shape fills the path built by f (design coordinates) in c.
func (r *Renderer) shape(c color.Color, f func(z *pen)) {
	z := &pen{r: r}
	f(z)
	if z.n == 0 {
		return
	}
	bb := image.Rect(int(math.Floor(float64(z.minX))), int(math.Floor(float64(z.minY))),
		int(math.Ceil(float64(z.maxX)))+1, int(math.Ceil(float64(z.maxY)))+1).Intersect(r.back.Bounds())
	if bb.Empty() {
		return
	}
	var ras vector.Rasterizer
	ras.Reset(bb.Dx(), bb.Dy())
	for _, op := range z.ops {
		x, y := op.x-float32(bb.Min.X), op.y-float32(bb.Min.Y)
		switch op.k {
		case 'M':
			ras.MoveTo(x, y)
		case 'L':
			ras.LineTo(x, y)
		case 'Z':
			ras.ClosePath()
		}
	}
	m := image.NewAlpha(image.Rect(0, 0, bb.Dx(), bb.Dy()))
	ras.Draw(m, m.Bounds(), image.Opaque, image.Point{})
	draw.DrawMask(r.back, bb, image.NewUniform(c), image.Point{}, m, image.Point{}, draw.Over)
}

// pen collects a polygon path in panel pixels.
type pen struct {
	r                      *Renderer
	ops                    []penOp
	n                      int
	minX, minY, maxX, maxY float32
}

type penOp struct {
	k    byte
	x, y float32
}

func (z *pen) add(k byte, x, y float64) {
	px := float32(x*z.r.scale) + float32(z.r.origin.X)
	py := float32(y*z.r.scale) + float32(z.r.origin.Y)
	if z.n == 0 {
		z.minX, z.maxX, z.minY, z.maxY = px, px, py, py
	}
	z.minX, z.maxX = min(z.minX, px), max(z.maxX, px)
	z.minY, z.maxY = min(z.minY, py), max(z.maxY, py)
	z.ops = append(z.ops, penOp{k, px, py})
	z.n++
}

func (z *pen) move(x, y float64) { z.add('M', x, y) }
func (z *pen) line(x, y float64) { z.add('L', x, y) }
func (z *pen) close()            { z.ops = append(z.ops, penOp{k: 'Z'}) }

// circle adds a circle; ccw reverses it to cut a hole (nonzero winding).
func (z *pen) circle(cx, cy, rad float64, ccw bool) {
	const n = 48
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		if ccw {
			a = -a
		}
		x, y := cx+rad*math.Cos(a), cy+rad*math.Sin(a)
		if i == 0 {
			z.move(x, y)
		} else {
			z.line(x, y)
		}
	}
	z.close()
}

func (r *Renderer) disc(cx, cy, rad int, c color.Color) {
	r.shape(c, func(z *pen) { z.circle(float64(cx), float64(cy), float64(rad), false) })
}

// card is an ID card, 84x54, at x, y.
func (r *Renderer) card(x, y int, _ bool) {
	r.roundRect(x, y, x+84, y+54, 6, colAccent)
	r.roundRect(x+10, y+16, x+28, y+32, 2, color.RGBA{0xF2, 0xC9, 0x4C, 0xFF}) // chip
	r.fill(r.rect(x+36, y+18, x+74, y+22), colBG)
	r.fill(r.rect(x+36, y+28, x+66, y+32), colBG)
	r.fill(r.rect(x+10, y+40, x+74, y+44), colBG)
}

func (r *Renderer) roundRect(x0, y0, x1, y1, rad int, c color.Color) {
	r.shape(c, func(z *pen) {
		fx0, fy0, fx1, fy1, fr := float64(x0), float64(y0), float64(x1), float64(y1), float64(rad)
		corner := func(cx, cy, a0 float64) {
			for i := 0; i <= 8; i++ {
				a := a0 + math.Pi/2*float64(i)/8
				x, y := cx+fr*math.Cos(a), cy+fr*math.Sin(a)
				if len(z.ops) == 0 {
					z.move(x, y)
				} else {
					z.line(x, y)
				}
			}
		}
		corner(fx1-fr, fy0+fr, -math.Pi/2)
		corner(fx1-fr, fy1-fr, 0)
		corner(fx0+fr, fy1-fr, math.Pi/2)
		corner(fx0+fr, fy0+fr, math.Pi)
		z.close()
	})
}

// arrow is a vertical arrow centred at x, y: down into the reader or up
// out of it.
func (r *Renderer) arrow(x, y int, down bool) {
	d := 1.0
	if !down {
		d = -1
	}
	fx, fy := float64(x), float64(y)
	r.shape(colAccent, func(z *pen) {
		z.move(fx-5, fy-12*d)
		z.line(fx+5, fy-12*d)
		z.line(fx+5, fy)
		z.line(fx+13, fy)
		z.line(fx, fy+14*d)
		z.line(fx-13, fy)
		z.line(fx-5, fy)
		z.close()
	})
}

// fingerprint is a stylised print: concentric rings.
func (r *Renderer) fingerprint(cx, cy, rad int, c color.Color) {
	fx, fy, fr := float64(cx), float64(cy), float64(rad)
	r.shape(c, func(z *pen) {
		for k := fr; k > 3; k -= 7 {
			z.circle(fx, fy, k, false)
			z.circle(fx, fy, k-3.5, true)
		}
	})
}

// check is a green disc with a white tick.
func (r *Renderer) check(cx, cy, rad int) {
	r.disc(cx, cy, rad, colGood)
	fx, fy, s := float64(cx), float64(cy), float64(rad)/40
	r.shape(colBG, func(z *pen) {
		z.move(fx-20*s, fy)
		z.line(fx-7*s, fy+13*s)
		z.line(fx+20*s, fy-14*s)
		z.line(fx+14*s, fy-20*s)
		z.line(fx-7*s, fy+1*s)
		z.line(fx-14*s, fy-6*s)
		z.close()
	})
}

// button is a coloured box with a Thai and an English label.
func (r *Renderer) button(x0, y0, x1, y1 int, c color.Color, t bi) {
	r.roundRect(x0, y0, x1, y1, 8, c)
	mid := (y0 + y1) / 2
	r.text(t.th, 18, true, colBG, r.rect(x0+4, y0+6, x1-4, mid+2), center)
	r.text(t.en, 14, false, colBG, r.rect(x0+4, mid+2, x1-4, y1-6), center)
}

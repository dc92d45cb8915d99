package biometric

import (
	"image"
	"math"
)

// plane is a float32 raster, row-major.
type plane struct {
	w, h int
	v    []float32
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, v: make([]float32, w*h)} }

// at returns the value at (x, y) clamped to the raster.
func (p *plane) at(x, y int) float32 {
	if x < 0 {
		x = 0
	} else if x >= p.w {
		x = p.w - 1
	}
	if y < 0 {
		y = 0
	} else if y >= p.h {
		y = p.h - 1
	}
	return p.v[y*p.w+x]
}

// bilinear samples p at the real position (x, y), clamped.
func (p *plane) bilinear(x, y float64) float32 {
	x0 := int(math.Floor(x))
	y0 := int(math.Floor(y))
	fx := float32(x - float64(x0))
	fy := float32(y - float64(y0))
	a := p.at(x0, y0)*(1-fx) + p.at(x0+1, y0)*fx
	b := p.at(x0, y0+1)*(1-fx) + p.at(x0+1, y0+1)*fx
	return a*(1-fy) + b*fy
}

// internalDPI is the resolution the extractor works at.
const internalDPI = 500

// loadGray converts img to a plane at internalDPI, returning the scale
// factor from the original pixels to internal pixels.
func loadGray(img *image.Gray, dpi int) (*plane, float64) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	src := newPlane(w, h)
	for y := 0; y < h; y++ {
		row := img.Pix[(y+b.Min.Y-img.Rect.Min.Y)*img.Stride+(b.Min.X-img.Rect.Min.X):]
		for x := 0; x < w; x++ {
			src.v[y*w+x] = float32(row[x])
		}
	}
	if dpi <= 0 || abs(dpi-internalDPI) <= 5 {
		return src, 1
	}
	s := float64(internalDPI) / float64(dpi)
	nw := int(math.Round(float64(w) * s))
	nh := int(math.Round(float64(h) * s))
	dst := newPlane(nw, nh)
	if s < 1 {
		// Box-prefilter when shrinking, so that resampling does not alias.
		src = boxBlur(src, int(math.Round(0.5/s-0.5)))
	}
	for y := 0; y < nh; y++ {
		sy := (float64(y)+0.5)/s - 0.5
		for x := 0; x < nw; x++ {
			dst.v[y*nw+x] = src.bilinear((float64(x)+0.5)/s-0.5, sy)
		}
	}
	return dst, s
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// boxBlur returns the mean over a (2r+1)² window clipped to the raster,
// separably: running sums down the columns, then along the rows of those
// sums, four rows at a time (independent running sums keep the CPU busy).
func boxBlur(p *plane, r int) *plane {
	if r <= 0 {
		return p
	}
	w, h := p.w, p.h
	vs := make([]float32, w*h)
	col := make([]float64, w)
	for y := 0; y < min(r, h); y++ {
		for x, v := range p.v[y*w : (y+1)*w] {
			col[x] += float64(v)
		}
	}
	for y := 0; y < h; y++ {
		if a := y + r; a < h {
			for x, v := range p.v[a*w : (a+1)*w] {
				col[x] += float64(v)
			}
		}
		if d := y - r - 1; d >= 0 {
			for x, v := range p.v[d*w : (d+1)*w] {
				col[x] -= float64(v)
			}
		}
		iny := 1 / float64(min(h, y+r+1)-max(0, y-r))
		out := vs[y*w : (y+1)*w]
		for x := range out {
			out[x] = float32(col[x] * iny)
		}
	}
	inv := make([]float32, w) // 1 / window width at x
	for x := range inv {
		inv[x] = 1 / float32(min(w, x+r+1)-max(0, x-r))
	}
	res := newPlane(w, h)
	y := 0
	for ; y+4 <= h; y += 4 {
		r0, r1, r2, r3 := vs[y*w:(y+1)*w], vs[(y+1)*w:(y+2)*w], vs[(y+2)*w:(y+3)*w], vs[(y+3)*w:(y+4)*w]
		o0, o1, o2, o3 := res.v[y*w:(y+1)*w], res.v[(y+1)*w:(y+2)*w], res.v[(y+2)*w:(y+3)*w], res.v[(y+3)*w:(y+4)*w]
		var s0, s1, s2, s3 float64
		for x := 0; x < min(r, w); x++ {
			s0 += float64(r0[x])
			s1 += float64(r1[x])
			s2 += float64(r2[x])
			s3 += float64(r3[x])
		}
		for x := 0; x < w; x++ {
			if a := x + r; a < w {
				s0 += float64(r0[a])
				s1 += float64(r1[a])
				s2 += float64(r2[a])
				s3 += float64(r3[a])
			}
			if d := x - r - 1; d >= 0 {
				s0 -= float64(r0[d])
				s1 -= float64(r1[d])
				s2 -= float64(r2[d])
				s3 -= float64(r3[d])
			}
			iv := inv[x]
			o0[x] = float32(s0) * iv
			o1[x] = float32(s1) * iv
			o2[x] = float32(s2) * iv
			o3[x] = float32(s3) * iv
		}
	}
	for ; y < h; y++ {
		rw, o := vs[y*w:(y+1)*w], res.v[y*w:(y+1)*w]
		var s float64
		for x := 0; x < min(r, w); x++ {
			s += float64(rw[x])
		}
		for x := 0; x < w; x++ {
			if a := x + r; a < w {
				s += float64(rw[a])
			}
			if d := x - r - 1; d >= 0 {
				s -= float64(rw[d])
			}
			o[x] = float32(s) * inv[x]
		}
	}
	return res
}

// normalize returns ridges-positive, locally zero-mean unit-variance values
// over a (2r+1)² window.
func normalize(p *plane, r int) *plane {
	mean := boxBlur(p, r)
	sq := newPlane(p.w, p.h)
	for i, v := range p.v {
		d := v - mean.v[i]
		sq.v[i] = d * d
	}
	vr := boxBlur(sq, r)
	out := newPlane(p.w, p.h)
	for i, v := range p.v {
		sd := float32(math.Sqrt(float64(vr.v[i])))
		if sd < 2 {
			sd = 2
		}
		out.v[i] = (mean.v[i] - v) / sd
	}
	return out
}

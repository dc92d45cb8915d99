package screen

import (
	"bytes"
	"image"
)

// tile is the side of the squares changed compares frames in.
const tile = 8

// changed returns rectangles covering every pixel where a and b (same
// bounds) differ: dirty tiles are joined into horizontal runs, runs with
// the same extent in consecutive tile rows into one rectangle, and each
// rectangle is then shrunk to the pixels that really changed. When most of
// the frame changed it returns the whole frame, one window being cheaper
// than many.
func changed(a, b *image.RGBA) []image.Rectangle {
	bounds := a.Bounds()
	tw := (bounds.Dx() + tile - 1) / tile
	th := (bounds.Dy() + tile - 1) / tile
	var rects []image.Rectangle
	open := map[[2]int]int{} // run (x0, x1) in the previous tile row -> index in rects
	area := 0
	for ty := 0; ty < th; ty++ {
		next := map[[2]int]int{}
		for tx := 0; tx < tw; {
			if !tileDiffers(a, b, tx, ty) {
				tx++
				continue
			}
			x0 := tx
			for tx < tw && tileDiffers(a, b, tx, ty) {
				tx++
			}
			tr := image.Rect(x0*tile, ty*tile, tx*tile, (ty+1)*tile).Add(bounds.Min).Intersect(bounds)
			k := [2]int{x0, tx}
			if i, ok := open[k]; ok {
				rects[i].Max.Y = tr.Max.Y
				next[k] = i
			} else {
				next[k] = len(rects)
				rects = append(rects, tr)
			}
			area += tr.Dx() * tr.Dy()
		}
		open = next
	}
	if area*10 > bounds.Dx()*bounds.Dy()*6 {
		return []image.Rectangle{bounds}
	}
	for i := range rects {
		rects[i] = tighten(a, b, rects[i])
	}
	return rects
}

func tileDiffers(a, b *image.RGBA, tx, ty int) bool {
	r := image.Rect(tx*tile, ty*tile, (tx+1)*tile, (ty+1)*tile).Add(a.Rect.Min).Intersect(a.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i, j := a.PixOffset(r.Min.X, y), a.PixOffset(r.Max.X, y)
		if !bytes.Equal(a.Pix[i:j], b.Pix[i:j]) {
			return true
		}
	}
	return false
}

// tighten shrinks r to the bounding box of the pixels that differ.
func tighten(a, b *image.RGBA, r image.Rectangle) image.Rectangle {
	rowDiff := func(y, x0, x1 int) bool {
		i, j := a.PixOffset(x0, y), a.PixOffset(x1, y)
		return !bytes.Equal(a.Pix[i:j], b.Pix[i:j])
	}
	for r.Min.Y < r.Max.Y && !rowDiff(r.Min.Y, r.Min.X, r.Max.X) {
		r.Min.Y++
	}
	for r.Max.Y > r.Min.Y && !rowDiff(r.Max.Y-1, r.Min.X, r.Max.X) {
		r.Max.Y--
	}
	colDiff := func(x int) bool {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			if rowDiff(y, x, x+1) {
				return true
			}
		}
		return false
	}
	for r.Min.X < r.Max.X && !colDiff(r.Min.X) {
		r.Min.X++
	}
	for r.Max.X > r.Min.X && !colDiff(r.Max.X-1) {
		r.Max.X--
	}
	return r
}

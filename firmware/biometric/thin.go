package biometric

// Skeletonisation of the binarised ridges: Zhang–Suen thinning followed by
// removal of the staircase pixels it leaves, so that every skeleton pixel
// that is neither an end nor a junction has exactly two 8-neighbours.

// neighbour bit order, clockwise from north: N NE E SE S SW W NW
var nbDX = [8]int{0, 1, 1, 1, 0, -1, -1, -1}
var nbDY = [8]int{-1, -1, 0, 1, 1, 1, 0, -1}

var (
	zsDel1, zsDel2 [256]bool // Zhang–Suen deletable, sub-iterations 1 and 2
	simpleLUT      [256]bool // deletable without changing connectivity, not an end
	crossLUT       [256]uint8
)

func init() {
	for c := 0; c < 256; c++ {
		var p [8]int
		n := 0
		for i := 0; i < 8; i++ {
			p[i] = (c >> i) & 1
			n += p[i]
		}
		a := 0
		for i := 0; i < 8; i++ {
			if p[i] == 0 && p[(i+1)%8] == 1 {
				a++
			}
		}
		crossLUT[c] = uint8(a)
		// p indices: 0 N(P2) 1 NE(P3) 2 E(P4) 3 SE(P5) 4 S(P6) 5 SW(P7) 6 W(P8) 7 NW(P9)
		if n >= 2 && n <= 6 && a == 1 {
			zsDel1[c] = p[0]*p[2]*p[4] == 0 && p[2]*p[4]*p[6] == 0
			zsDel2[c] = p[0]*p[2]*p[6] == 0 && p[0]*p[4]*p[6] == 0
		}
		// components of the neighbour set under 8-adjacency
		var parent [8]int
		for i := range parent {
			parent[i] = i
		}
		var find func(int) int
		find = func(i int) int {
			for parent[i] != i {
				i = parent[i]
			}
			return i
		}
		for i := 0; i < 8; i++ {
			for j := i + 1; j < 8; j++ {
				if p[i] == 1 && p[j] == 1 {
					dx := nbDX[i] - nbDX[j]
					dy := nbDY[i] - nbDY[j]
					if dx >= -1 && dx <= 1 && dy >= -1 && dy <= 1 {
						parent[find(i)] = find(j)
					}
				}
			}
		}
		comp := 0
		for i := 0; i < 8; i++ {
			if p[i] == 1 && find(i) == i {
				comp++
			}
		}
		simpleLUT[c] = n >= 2 && comp == 1
	}
}

// skel is a binary raster with a one-pixel empty border.
type skel struct {
	w, h int // inner size
	s    int // stride = w+2
	b    []uint8
}

func newSkel(w, h int) *skel {
	return &skel{w: w, h: h, s: w + 2, b: make([]uint8, (w+2)*(h+2))}
}

func (k *skel) idx(x, y int) int { return (y+1)*k.s + x + 1 }

func (k *skel) code(i int) int {
	s := k.s
	b := k.b
	c := int(b[i-s]) | int(b[i-s+1])<<1 | int(b[i+1])<<2 | int(b[i+s+1])<<3 |
		int(b[i+s])<<4 | int(b[i+s-1])<<5 | int(b[i-1])<<6 | int(b[i-s-1])<<7
	return c
}

func (k *skel) neighbours(i int) int {
	c := k.code(i)
	n := 0
	for c != 0 {
		n += c & 1
		c >>= 1
	}
	return n
}

// thin skeletonises k in place.
func (k *skel) thin() {
	// only set pixels can be deleted: keep them in a list that shrinks
	var on []int32
	for y := 0; y < k.h; y++ {
		i := k.idx(0, y)
		for x := 0; x < k.w; x, i = x+1, i+1 {
			if k.b[i] != 0 {
				on = append(on, int32(i))
			}
		}
	}
	// A pixel's deletability under a sub-iteration's rule changes only
	// when its neighbourhood does: test only the pixels next to a pixel
	// deleted since they were last tested under that rule (bit 0: rule 1,
	// bit 1: rule 2). Deletions are applied after each sub-iteration, so
	// the result is the same as testing every pixel every time.
	dirty := make([]uint8, len(k.b))
	for _, i := range on {
		dirty[i] = 3
	}
	s := int32(k.s)
	nb := [8]int32{-s, -s + 1, 1, s + 1, s, s - 1, -1, -s - 1}
	var del []int32
	for {
		changed := false
		for sub := 0; sub < 2; sub++ {
			lut := &zsDel1
			bit := uint8(1)
			if sub == 1 {
				lut = &zsDel2
				bit = 2
			}
			del = del[:0]
			keep := on[:0]
			for _, i := range on {
				if dirty[i]&bit != 0 {
					dirty[i] &^= bit
					if lut[k.code(int(i))] {
						del = append(del, i)
						continue
					}
				}
				keep = append(keep, i)
			}
			on = keep
			for _, i := range del {
				k.b[i] = 0
				for _, d := range nb {
					dirty[i+d] = 3
				}
			}
			if len(del) > 0 {
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	// remove staircase pixels sequentially
	for y := 0; y < k.h; y++ {
		i := k.idx(0, y)
		for x := 0; x < k.w; x, i = x+1, i+1 {
			if k.b[i] != 0 && simpleLUT[k.code(i)] {
				k.b[i] = 0
			}
		}
	}
}

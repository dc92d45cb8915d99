package biometric

import (
	"math"
	"math/bits"
)

// Minutia Cylinder-Code (Cappelli, Ferrara, Maltoni, "Minutia
// Cylinder-Code: a new representation and matching technique for
// fingerprint recognition", IEEE TPAMI 32(12), 2010), bit-based form: each
// minutia gets a cylinder of cells around it, aligned with its direction,
// that records where its neighbours are and how their directions differ.
// Comparing two cylinders is a handful of AND/XOR/popcount operations.

const (
	mccR      = 70.0 // cylinder radius, pixels at 500 dpi
	mccNS     = 8    // cells across the diameter
	mccND     = 6    // direction layers
	mccCells  = mccNS * mccNS
	mccWords  = (mccCells + 63) / 64
	mccSigmaS = 28.0 / 3
	mccSigmaD = 2 * math.Pi / 9
	mccMuPsiD = 0.01 // MCC's μΨ: a cell is set when its contribution reaches it
	mccOmega  = 50.0 // hull margin for valid cells
)

var mccMuPsi float32 = mccMuPsiD

const (
	mccMinValid = 0.6 // fraction of the disc's cells a cylinder needs
	mccMinMatch = 0.6 // fraction of the disc's cells two cylinders must share
)

// cylinder is the bit-based MCC of one minutia.
type cylinder struct {
	valid [mccWords]uint64
	bits  [mccND][mccWords]uint64
	ok    bool
	nv    uint16 // valid cells
}

var mccDisc = func() (n int) {
	for i := 0; i < mccNS; i++ {
		for j := 0; j < mccNS; j++ {
			dx := (float64(i) + 0.5 - mccNS/2) * 2 * mccR / mccNS
			dy := (float64(j) + 0.5 - mccNS/2) * 2 * mccR / mccNS
			if dx*dx+dy*dy <= mccR*mccR {
				n++
			}
		}
	}
	return n
}()

func normAngle(a float64) float64 {
	a = math.Mod(a+math.Pi, 2*math.Pi)
	if a < 0 {
		a += 2 * math.Pi
	}
	return a - math.Pi
}

// buildCylinders computes the cylinder of every minutia of p.
func (p *Prepared) buildCylinders() {
	n := len(p.min)
	p.cyl = make([]cylinder, n)
	hull := convexHullMargin(p.min, mccOmega)
	const ds = 2 * mccR / mccNS
	const dd = 2 * math.Pi / mccND
	var sums [mccND][mccCells]float32
	inv := 1 / (math.Sqrt2 * mccSigmaD)
	for a := 0; a < n; a++ {
		m := p.min[a]
		c := &p.cyl[a]
		cs, sn := math.Cos(float64(m.a)), math.Sin(float64(m.a))
		var cx, cy [mccCells]float64
		for j := 0; j < mccNS; j++ {
			for i := 0; i < mccNS; i++ {
				u := (float64(i) + 0.5 - mccNS/2) * ds
				v := (float64(j) + 0.5 - mccNS/2) * ds
				k := j*mccNS + i
				cx[k] = float64(m.x) + cs*u - sn*v
				cy[k] = float64(m.y) + sn*u + cs*v
				if u*u+v*v <= mccR*mccR && inHull(hull, float32(cx[k]), float32(cy[k])) {
					c.valid[k/64] |= 1 << (k % 64)
					c.nv++
				}
			}
		}
		for l := range sums {
			clear(sums[l][:])
		}
		neigh := 0
		for b := 0; b < n; b++ {
			if b == a {
				continue
			}
			t := p.min[b]
			dx, dy := float64(t.x-m.x), float64(t.y-m.y)
			if dx*dx+dy*dy > (mccR+3*mccSigmaS)*(mccR+3*mccSigmaS) {
				continue
			}
			neigh++
			dth := normAngle(float64(m.a - t.a))
			var cd [mccND]float32
			for k := 0; k < mccND; k++ {
				ang := -math.Pi + (float64(k)+0.5)*dd
				x := normAngle(ang - dth)
				cd[k] = float32(0.5 * (math.Erf((x+dd/2)*inv) - math.Erf((x-dd/2)*inv)))
			}
			for k := 0; k < mccCells; k++ {
				if c.valid[k/64]&(1<<(k%64)) == 0 {
					continue
				}
				ex, ey := float64(t.x)-cx[k], float64(t.y)-cy[k]
				d2 := ex*ex + ey*ey
				if d2 > 9*mccSigmaS*mccSigmaS {
					continue
				}
				g := float32(math.Exp(-d2 / (2 * mccSigmaS * mccSigmaS)))
				for l := 0; l < mccND; l++ {
					sums[l][k] += g * cd[l]
				}
			}
		}
		for l := 0; l < mccND; l++ {
			for k := 0; k < mccCells; k++ {
				if sums[l][k] >= mccMuPsi {
					c.bits[l][k/64] |= 1 << (k % 64)
				}
			}
		}
		c.ok = neigh >= 2 && float64(c.nv) >= mccMinValid*float64(mccDisc)
	}
}

func convexHullMargin(ms []pmin, margin float32) []pt {
	pts := make([]pt, len(ms))
	for i, m := range ms {
		pts[i] = pt{m.x, m.y}
	}
	return growHull(convexHull(pts), margin-hullMargin)
}

// cylinderSize is the memory of one cylinder in bytes.
const cylinderSize = (mccND+1)*mccWords*8 + 8

// cylSim is the bit-based MCC similarity of two cylinders (0..1).
func cylSim(a, b *cylinder) float32 {
	if mccWords == 1 {
		return cylSim1(a, b)
	}
	return cylSimN(a, b)
}

// cylSimN is cylSim for any number of words a layer.
func cylSimN(a, b *cylinder) float32 {
	var mask [mccWords]uint64
	common := 0
	for w := range mask {
		mask[w] = a.valid[w] & b.valid[w]
		common += bits.OnesCount64(mask[w])
	}
	if common < mccMinCommon {
		return 0
	}
	var na, nb, nx int
	for l := range a.bits {
		for w := range mask {
			x := a.bits[l][w] & mask[w]
			y := b.bits[l][w] & mask[w]
			na += bits.OnesCount64(x)
			nb += bits.OnesCount64(y)
			nx += bits.OnesCount64(x ^ y)
		}
	}
	if na+nb == 0 {
		return 0
	}
	return 1 - sqrtTab[nx]/(sqrtTab[na]+sqrtTab[nb])
}

// mccMinCommon is the number of cells two cylinders must share.
var mccMinCommon = int(mccMinMatch * float64(mccDisc))

var sqrtTab = func() (t [max(512, mccND*mccWords*64+1)]float32) {
	for i := range t {
		t[i] = float32(math.Sqrt(float64(i)))
	}
	return
}()

// cylSim1 is cylSim for cylinders of one word a layer, unrolled.
func cylSim1(a, b *cylinder) float32 {
	mask := a.valid[0] & b.valid[0]
	if bits.OnesCount64(mask) < mccMinCommon {
		return 0
	}
	x0, y0 := a.bits[0][0]&mask, b.bits[0][0]&mask
	x1, y1 := a.bits[1][0]&mask, b.bits[1][0]&mask
	x2, y2 := a.bits[2][0]&mask, b.bits[2][0]&mask
	x3, y3 := a.bits[3][0]&mask, b.bits[3][0]&mask
	x4, y4 := a.bits[4][0]&mask, b.bits[4][0]&mask
	x5, y5 := a.bits[5][0]&mask, b.bits[5][0]&mask
	na := bits.OnesCount64(x0) + bits.OnesCount64(x1) + bits.OnesCount64(x2) +
		bits.OnesCount64(x3) + bits.OnesCount64(x4) + bits.OnesCount64(x5)
	nb := bits.OnesCount64(y0) + bits.OnesCount64(y1) + bits.OnesCount64(y2) +
		bits.OnesCount64(y3) + bits.OnesCount64(y4) + bits.OnesCount64(y5)
	if na+nb == 0 {
		return 0
	}
	nx := bits.OnesCount64(x0^y0) + bits.OnesCount64(x1^y1) + bits.OnesCount64(x2^y2) +
		bits.OnesCount64(x3^y3) + bits.OnesCount64(x4^y4) + bits.OnesCount64(x5^y5)
	return 1 - sqrtTab[nx&511]/(sqrtTab[na&511]+sqrtTab[nb&511])
}

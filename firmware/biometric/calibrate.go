package biometric

import "math"

// Scores are calibrated on impostor comparisons so that a score S is
// exceeded by an impostor with probability about 10^(-S/10): a threshold of
// 30 means a false-match rate near 0.1%, 40 near 0.01%.

// calibFlow and calib map raw scores (ascending) to -10·log10(FMR):
// calibFlow for comparisons that carry the orientation-field term (both
// templates have a Flow, as templates from Extract do), calib for minutiae
// alone (a reference read from an ISO/ANSI record). Each is the empirical
// tail of the 11,520 cross-finger (impostor) comparisons of the four
// FVC2002 "B" sets, measured by TestCalibrate (FPCALIB=1): the point for
// S ≤ 30 is the impostor score exceeded by a fraction 10^(-S/10) of them.
// The point for S = 40 comes from a straight-line fit of S against the raw
// score over the 12 highest impostor scores (FMR 8.7·10⁻⁵ to 10⁻³), which
// the log-linear tail follows; beyond it the slope of the 30–40 stretch
// continues. Rerun the calibration whenever AlgorithmVersion changes.
var calibFlow = [][2]float64{
	{0, 0},
	{0.4120, 2.5},
	{1.3217, 5.0},
	{1.9417, 7.5},
	{2.4433, 10.0},
	{2.8696, 12.5},
	{3.2568, 15.0},
	{3.6939, 17.5},
	{4.0834, 20.0},
	{4.3920, 22.5},
	{4.8351, 25.0},
	{5.1382, 27.5},
	{5.6407, 30.0},
	{7.4728, 40.0},
}

var calib = [][2]float64{
	{0, 0},
	{1.2615, 2.5},
	{1.7461, 5.0},
	{2.1624, 7.5},
	{2.5421, 10.0},
	{2.8936, 12.5},
	{3.2829, 15.0},
	{3.6762, 17.5},
	{3.9766, 20.0},
	{4.3272, 22.5},
	{4.7421, 25.0},
	{5.0737, 27.5},
	{5.5137, 30.0},
	{7.2778, 40.0},
}

// calibrate maps a raw minutiae-only score to the calibrated scale.
func calibrate(raw float64) float64 { return calibrateWith(calib, raw) }

// calibrateWith maps a raw score to the calibrated scale by the table
// calib; beyond the table the slope between S 30 and 40 continues.
func calibrateWith(calib [][2]float64, raw float64) float64 {
	if raw <= 0 {
		return 0
	}
	for i := 1; i < len(calib); i++ {
		if raw <= calib[i][0] {
			a, b := calib[i-1], calib[i]
			return a[1] + (raw-a[0])/(b[0]-a[0])*(b[1]-a[1])
		}
	}
	a, b := calib[len(calib)-2], calib[len(calib)-1] // S 30 and 40
	return b[1] + (raw-b[0])/(b[0]-a[0])*(b[1]-a[1])
}

// ThresholdForFMR returns the score threshold at which the expected
// false-match rate is fmr (0 < fmr ≤ 1): -10·log10(fmr).
func ThresholdForFMR(fmr float64) float64 {
	if fmr >= 1 || !(fmr > 0) {
		return 0
	}
	return -10 * math.Log10(fmr)
}

// FMRForThreshold is the inverse of ThresholdForFMR.
func FMRForThreshold(s float64) float64 {
	return math.Pow(10, -s/10)
}

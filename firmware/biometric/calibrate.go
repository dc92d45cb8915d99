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
// S ≤ 30 is the impostor score exceeded by a fraction 10^(-S/10) of them
// (with the flow term more than 10^(-0.25) of the impostors score 0: the
// term sinks them below zero).
// The point for S = 40 comes from a straight-line fit of S against the raw
// score over the 12 highest impostor scores (FMR 8.7·10⁻⁵ to 10⁻³), which
// the log-linear tail follows; beyond it the slope of the 30–40 stretch
// continues. Rerun the calibration whenever AlgorithmVersion changes.
var calibFlow = [][2]float64{
	{0, 0},
	{0.0000, 2.5},
	{0.6514, 5.0},
	{1.0732, 7.5},
	{1.3853, 10.0},
	{1.6366, 12.5},
	{1.8835, 15.0},
	{2.1001, 17.5},
	{2.3070, 20.0},
	{2.5281, 22.5},
	{2.7540, 25.0},
	{2.9560, 27.5},
	{3.1557, 30.0},
	{4.1708, 40.0},
}

var calib = [][2]float64{
	{0, 0},
	{0.6407, 2.5},
	{0.9107, 5.0},
	{1.1568, 7.5},
	{1.3673, 10.0},
	{1.5732, 12.5},
	{1.7730, 15.0},
	{1.9973, 17.5},
	{2.2100, 20.0},
	{2.3784, 22.5},
	{2.5810, 25.0},
	{2.7932, 27.5},
	{2.9123, 30.0},
	{4.0290, 40.0},
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

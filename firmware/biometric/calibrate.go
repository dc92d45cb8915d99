package biometric

import "math"

// Scores are calibrated on impostor comparisons so that a score S is
// exceeded by an impostor with probability about 10^(-S/10): a threshold of
// 30 means a false-match rate near 0.1%, 40 near 0.01%.

// calibPeriod, calibFlow and calib map raw scores (ascending) to
// -10·log10(FMR): calibPeriod for comparisons that carry the
// orientation-field and ridge-period terms (both templates have a Flow
// with periods, as templates from Extract do), calibFlow for the
// orientation term alone (a Flow without periods, from a record of an
// older build), calib for minutiae alone (an ISO/ANSI record without
// the flow). Each is the empirical
// tail of the 11,520 cross-finger (impostor) comparisons of the four
// FVC2002 "B" sets, measured by TestCalibrate (FPCALIB=1): the point for
// S ≤ 30 is the impostor score exceeded by a fraction 10^(-S/10) of them,
// every 0.5 up to S 2.5 and every 2.5 above; the first point is the lowest
// impostor score, S 0 (below zero with the flow terms, which sink most
// impostors there: about 10^(-0.75) of them stay above 0 with both terms).
// The point for S = 40 comes from a straight-line fit of S against the raw
// score over the 12 highest impostor scores (FMR 8.7·10⁻⁵ to 10⁻³), which
// the log-linear tail follows; beyond it the slope of the 30–40 stretch
// continues. Rerun the calibration whenever AlgorithmVersion changes.
var calibPeriod = [][2]float64{
	{-7.2185, 0},
	{-3.4155, 0.5},
	{-2.6795, 1.0},
	{-2.2242, 1.5},
	{-1.8898, 2.0},
	{-1.6033, 2.5},
	{-0.6508, 5.0},
	{-0.0821, 7.5},
	{0.3672, 10.0},
	{0.7712, 12.5},
	{1.1002, 15.0},
	{1.3792, 17.5},
	{1.5858, 20.0},
	{1.7834, 22.5},
	{2.0202, 25.0},
	{2.1450, 27.5},
	{2.5050, 30.0},
	{3.0432, 40.0},
}

var calibFlow = [][2]float64{
	{-5.0908, 0},
	{-1.5304, 0.5},
	{-0.9905, 1.0},
	{-0.6440, 1.5},
	{-0.3693, 2.0},
	{-0.1294, 2.5},
	{0.5609, 5.0},
	{0.9466, 7.5},
	{1.2432, 10.0},
	{1.5210, 12.5},
	{1.7787, 15.0},
	{2.0357, 17.5},
	{2.2844, 20.0},
	{2.5276, 22.5},
	{2.7578, 25.0},
	{3.0212, 27.5},
	{3.2018, 30.0},
	{4.9148, 40.0},
}

var calib = [][2]float64{
	{0.0000, 0},
	{0.2458, 0.5},
	{0.3325, 1.0},
	{0.4180, 1.5},
	{0.4801, 2.0},
	{0.5388, 2.5},
	{0.8121, 5.0},
	{1.0606, 7.5},
	{1.2963, 10.0},
	{1.5264, 12.5},
	{1.7411, 15.0},
	{2.0261, 17.5},
	{2.2696, 20.0},
	{2.4400, 22.5},
	{2.6477, 25.0},
	{2.7982, 27.5},
	{2.9619, 30.0},
	{4.6031, 40.0},
}

// calibrate maps a raw minutiae-only score to the calibrated scale.
func calibrate(raw float64) float64 { return calibrateWith(calib, raw) }

// calibrateWith maps a raw score to the calibrated scale by the table
// calib; beyond the table the slope between S 30 and 40 continues.
func calibrateWith(calib [][2]float64, raw float64) float64 {
	if !(raw > calib[0][0]) {
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

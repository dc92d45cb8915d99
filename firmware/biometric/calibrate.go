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
// S ≤ 30 is the impostor score exceeded by a fraction 10^(-S/10) of them
// (with the flow term more than 10^(-0.25) of the impostors score 0, with
// the period term too more than 10^(-0.75): the terms sink them below
// zero).
// The point for S = 40 comes from a straight-line fit of S against the raw
// score over the 12 highest impostor scores (FMR 8.7·10⁻⁵ to 10⁻³), which
// the log-linear tail follows; beyond it the slope of the 30–40 stretch
// continues. Rerun the calibration whenever AlgorithmVersion changes.
var calibPeriod = [][2]float64{
	{-7.3152, 0},
	{-3.5598, 0.5},
	{-2.8516, 1.0},
	{-2.4427, 1.5},
	{-2.1257, 2.0},
	{-1.8627, 2.5},
	{-0.9458, 5.0},
	{-0.3836, 7.5},
	{0.0149, 10.0},
	{0.3524, 12.5},
	{0.6149, 15.0},
	{0.8370, 17.5},
	{1.0555, 20.0},
	{1.2271, 22.5},
	{1.3990, 25.0},
	{1.5404, 27.5},
	{1.6353, 30.0},
	{2.0854, 40.0},
}

var calibFlow = [][2]float64{
	{-4.5297, 0},
	{-1.6665, 0.5},
	{-1.1490, 1.0},
	{-0.8359, 1.5},
	{-0.5866, 2.0},
	{-0.3697, 2.5},
	{0.3023, 5.0},
	{0.6572, 7.5},
	{0.8984, 10.0},
	{1.0983, 12.5},
	{1.2826, 15.0},
	{1.4636, 17.5},
	{1.6717, 20.0},
	{1.8513, 22.5},
	{2.0917, 25.0},
	{2.2454, 27.5},
	{2.3641, 30.0},
	{2.8355, 40.0},
}

var calib = [][2]float64{
	{0.0000, 0},
	{0.1741, 0.5},
	{0.2418, 1.0},
	{0.2936, 1.5},
	{0.3357, 2.0},
	{0.3777, 2.5},
	{0.5551, 5.0},
	{0.7173, 7.5},
	{0.8666, 10.0},
	{1.0229, 12.5},
	{1.1803, 15.0},
	{1.3292, 17.5},
	{1.4840, 20.0},
	{1.6433, 22.5},
	{1.8463, 25.0},
	{2.0127, 27.5},
	{2.1212, 30.0},
	{2.6466, 40.0},
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

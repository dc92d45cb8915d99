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
	{-7.2928, 0},
	{-3.5418, 0.5},
	{-2.8085, 1.0},
	{-2.3679, 1.5},
	{-2.0448, 2.0},
	{-1.7808, 2.5},
	{-0.8693, 5.0},
	{-0.3252, 7.5},
	{0.0769, 10.0},
	{0.4136, 12.5},
	{0.7104, 15.0},
	{0.9434, 17.5},
	{1.1558, 20.0},
	{1.2995, 22.5},
	{1.4386, 25.0},
	{1.6088, 27.5},
	{1.7489, 30.0},
	{2.1774, 40.0},
}

var calibFlow = [][2]float64{
	{-5.1651, 0},
	{-1.6408, 0.5},
	{-1.1143, 1.0},
	{-0.7764, 1.5},
	{-0.5169, 2.0},
	{-0.2905, 2.5},
	{0.3576, 5.0},
	{0.6842, 7.5},
	{0.9054, 10.0},
	{1.1171, 12.5},
	{1.2981, 15.0},
	{1.4610, 17.5},
	{1.6185, 20.0},
	{1.7824, 22.5},
	{1.9898, 25.0},
	{2.1397, 27.5},
	{2.3905, 30.0},
	{3.5053, 40.0},
}

var calib = [][2]float64{
	{0.0000, 0},
	{0.1730, 0.5},
	{0.2386, 1.0},
	{0.2917, 1.5},
	{0.3353, 2.0},
	{0.3761, 2.5},
	{0.5522, 5.0},
	{0.7183, 7.5},
	{0.8745, 10.0},
	{1.0213, 12.5},
	{1.1870, 15.0},
	{1.3268, 17.5},
	{1.4619, 20.0},
	{1.6108, 22.5},
	{1.7563, 25.0},
	{1.8862, 27.5},
	{1.9958, 30.0},
	{3.1018, 40.0},
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

package biometric

import "math"

// Scores are calibrated on impostor comparisons so that a score S is
// exceeded by an impostor with probability about 10^(-S/10): a threshold of
// 30 means a false-match rate near 0.1%, 40 near 0.01%.

// calib maps raw scores (ascending) to -10·log10(FMR). It is the
// empirical tail of the 11,520 cross-finger (impostor) comparisons of the
// four FVC2002 "B" sets, measured by TestCalibrate (FPCALIB=1): the point
// for S ≤ 30 is the impostor score exceeded by a fraction 10^(-S/10) of
// them. The point for S = 40 comes from a straight-line fit of S against
// the raw score over the 12 highest impostor scores (FMR 8.7·10⁻⁵ to 10⁻³),
// which the log-linear tail follows; beyond it the slope of the 30–40
// stretch continues. Rerun the calibration whenever AlgorithmVersion
// changes.
var calib = [][2]float64{
	{0, 0},
	{1.1066, 2.5},
	{1.5748, 5.0},
	{1.9741, 7.5},
	{2.3437, 10.0},
	{2.7131, 12.5},
	{3.0952, 15.0},
	{3.4581, 17.5},
	{3.7358, 20.0},
	{4.1037, 22.5},
	{4.3892, 25.0},
	{4.7794, 27.5},
	{5.2821, 30.0},
	{6.3617, 40.0},
}

// calibrate maps a raw score to the calibrated scale; beyond the table
// the slope between S 30 and 40 continues.
func calibrate(raw float64) float64 {
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

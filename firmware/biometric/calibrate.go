package biometric

import "math"

// Scores are calibrated on impostor comparisons so that a score S is
// exceeded by an impostor with probability about 10^(-S/10): a threshold of
// 30 means a false-match rate near 0.1%, 40 near 0.01%.

// calib maps raw scores (ascending) to -10·log10(FMR). It is the
// empirical tail of the 11,520 cross-finger (impostor) comparisons of the
// four FVC2002 "B" sets, measured by TestCalibrate (FPCALIB=1); beyond
// S = 30 (FMR 0.1%), where 11,520 comparisons no longer resolve the tail,
// the point at 40 extends the slope of the S 20–30 stretch, which the
// log-linear tail follows closely. Rerun the calibration whenever
// AlgorithmVersion changes.
var calib = [][2]float64{
	{0, 0},
	{0.9777, 2.5},
	{1.4010, 5.0},
	{1.7691, 7.5},
	{2.0907, 10.0},
	{2.3986, 12.5},
	{2.6784, 15.0},
	{2.9759, 17.5},
	{3.3090, 20.0},
	{3.5501, 22.5},
	{3.8550, 25.0},
	{4.2323, 27.5},
	{4.4904, 30.0},
	{5.6718, 40.0},
}

// calibrate maps a raw score to the calibrated scale; beyond the table
// the last segment's slope continues.
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
	n := len(calib)
	a, b := calib[n-2], calib[n-1]
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

// Package biometric turns fingerprint images into minutiae templates
// (Extract), compares templates (Match, Prepare, Gallery) and scores image
// quality (Quality).
//
// Extraction works at 500 dpi: orientation field and segmentation from the
// gradient structure tensor, ridge period from the x-signature, oriented
// Gabor enhancement, binarisation, Zhang–Suen thinning, minutiae from the
// skeleton with structural false-minutiae removal. Matching uses bit-based
// Minutia Cylinder-Codes (Cappelli, Ferrara, Maltoni, "Minutia
// Cylinder-Code: a new representation and matching technique for
// fingerprint recognition", IEEE TPAMI 32(12), 2010) to find root pairs,
// aligns on them, and scores the paired minutiae against the common area.
// Scores are calibrated on impostor comparisons: S ≈ -10·log10(FMR), see
// ThresholdForFMR. docs/biometrics.md has the details and the measured
// error rates.
//
// Templates are exchanged as ISO/IEC 19794-2:2005 records (ANSI/INCITS
// 378-2004 readable), see the iso19794 subpackage; the Template type here
// is the internal form, with the same angle convention.
package biometric

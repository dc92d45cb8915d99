// Package biometric turns fingerprint images into minutiae templates
// (extraction), compares templates (matching) and scores image quality.
//
// Templates are exchanged as ISO/IEC 19794-2:2005 records (ANSI/INCITS
// 378-2004 readable), see the iso19794 subpackage. The Template type here is
// the internal form used for matching.
package biometric

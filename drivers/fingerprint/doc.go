// Package fingerprint defines the Sensor interface the firmware uses to capture
// fingerprint images, independent of the module behind it.
//
// The EF01-protocol driver for GROW R30x / R503 / AS608 modules lives in
// the zfm subpackage.
package fingerprint

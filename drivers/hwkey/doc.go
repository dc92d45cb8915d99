// Package hwkey defines the Signer interface: an ECDSA P-256 key held by the
// terminal's hardware (TPM 2.0 or ATECC608A). The private key never leaves
// the device.
//
// Subpackages: tpm2, atecc608, and soft (a PEM file, development only).
package hwkey

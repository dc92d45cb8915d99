// Package tpm2 is a hwkey.Signer on a TPM 2.0: an ECDSA P-256 signing key
// created under the owner hierarchy (a child of the TCG reference ECC P-256
// storage root key) and persisted at a persistent handle (default
// 0x81000001), built on github.com/google/go-tpm's tpm2 command API.
//
// Transports are this package's own, pure Go without cgo: the kernel's
// resource manager /dev/tpmrm0, or swtpm's raw TCP command port
// ("tcp:127.0.0.1:2321"). Both read every response completely: the 10-byte
// header first, then exactly the size it announces (TPM 2.0 Part 1 §18, Part 3
// §5). Warnings TPM_RC_RETRY, TPM_RC_TESTING and TPM_RC_YIELDED are retried
// with a bounded budget (Opts.Retries, Opts.RetryDelay).
//
// Specifications: TCG TPM 2.0 Library, Part 2 (Structures) and Part 3
// (Commands), https://trustedcomputinggroup.org/resource/tpm-library-specification/;
// TCG TPM v2.0 Provisioning Guidance (handles, SRK template).
package tpm2

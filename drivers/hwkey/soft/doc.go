// Package soft is a development-only hwkey.Signer: an ECDSA P-256 private
// key in a PEM file (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY", as
// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` writes).
//
// The private key sits on disk and in process memory, so it is refused when
// the configuration says production (Opts.Production): the design requires
// the signing key to never leave hardware on a real terminal. Use it on a
// laptop, in tests and on the sim board when no swtpm is installed.
package soft

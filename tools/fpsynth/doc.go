// Package fpsynth generates synthetic fingerprints, so that the demo and
// the tests need no fingerprint images from outside the repository.
//
// The method follows SFinGe (Cappelli, Maio, Maltoni: "Synthetic
// fingerprint-image generation", ICPR 2000; "SFinGe", Handbook of
// Fingerprint Recognition, ch. 6):
//
//  1. a pattern class (arch, tented arch, left or right loop, whorl) and
//     its singular points: cores and deltas;
//  2. an orientation field from the zero-pole model of Sherlock and Monro
//     (half the sum of the arguments to the cores minus the arguments to
//     the deltas), with a plain-arch field for arches;
//  3. a ridge-period map that varies smoothly around a per-finger period;
//  4. the master fingerprint: ridges grown from a few random seeds by
//     iterated contextual Gabor filtering (each pixel filtered with a
//     Gabor kernel tuned to its orientation and period, then clipped),
//     which is where minutiae come from;
//  5. impressions of the master: a contact region (a soft ellipse whose
//     size follows the pressure), translation, rotation, an elastic
//     distortion that grows away from the contact centre, plastic
//     distortion from the finger's lateral force and twist (Cappelli, Maio,
//     Maltoni: "Modelling plastic distortion in fingerprint images", ICAPR
//     2001), ridge thickness from pressure and local skin dryness, sensor
//     noise and blur.
//
// Everything is deterministic from the seeds (math/rand/v2 PCG): a finger
// seed fixes the master, an impression seed fixes the impression. Images
// are bit-identical on amd64, arm64 and arm/v7 (testdata/golden.txt pins
// them; the test runs under qemu-user too).
//
// The command tools/fpsynth/cmd/fpsynth writes impressions as PNG or PGM
// files in the FVC layout that tools/fpeval reads. See docs/templates.md.
package fpsynth

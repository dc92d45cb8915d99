// Package reference supplies the citizen's reference fingerprint template
// that the enrollment flow matches the live finger against, and decides
// whether to trust it.
//
// A reference is trusted only when the registry signed it. The signed form
// is a COSE_Sign1 message (RFC 9052, tag 18) with ES256 (ECDSA P-256,
// SHA-256) by the registry's key. The protected header carries the
// algorithm, the content type ContentType (so no other message the
// registry key signs can pass for a reference) and the key id (SHA-256 of
// the key's PKIX encoding). The payload is a CBOR map in RFC 8949 core
// deterministic encoding with integer keys:
//
//	1: version      uint (1)
//	2: citizen id   text, the 13-digit national ID number
//	3: template     bytes, an ISO/IEC 19794-2:2005 finger minutiae record
//	4: issued       int, Unix time in seconds (UTC)
//
// Verify checks the signature against the registry public key from the
// configuration, the content type, the payload's strict deterministic
// encoding, that the template decodes, and that the citizen id in the
// payload is the one on the card being enrolled. The last check is what
// stops a cloned card that carries someone else's (genuinely signed)
// template from binding the victim's identity to the impostor's finger.
//
// Sources: CardSource reads the signed reference the card's biometric
// applet holds (smartcard.IDCard.Reference); the registry lookup over the
// uplink implements Source in the outbox's uplink package; Chain tries
// sources in order (registry first, then the card).
package reference

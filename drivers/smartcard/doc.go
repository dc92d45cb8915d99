// Package smartcard defines the Reader interface the firmware uses to read the
// citizen's (and officer's) national ID card, and the decoded card record.
//
// Subpackages: pcsc (pure-Go client of pcscd's socket protocol), apdu
// (ISO/IEC 7816-4 command and response APDUs), thaiid (the Thai national
// ID card application; thaiid.Reader implements Reader) and pcsctest (the
// test harness running the real pcscd with the vpcd virtual reader). See
// docs/smartcard.md.
package smartcard

// Package iso19794 reads and writes finger minutiae records in the two
// interchange formats the registry and card vendors use:
//
//   - ISO/IEC 19794-2:2005, "Biometric data interchange formats — Part 2:
//     Finger minutiae data", record format (version " 20\x00", 24-byte
//     record header with a 4-byte record length, angles in units of
//     360/256 degrees);
//   - ANSI/INCITS 378-2004, "Finger Minutiae Format for Data Interchange"
//     (same magic and version, 2- or 6-byte record length, a CBEFF product
//     identifier, angles in units of 2 degrees).
//
// Both carry one or more finger views, each with a 4-byte finger-view
// header (finger position, view number, impression type, finger quality,
// minutia count), 6 bytes per minutia (type, x, y, angle, quality) and an
// extended data block. Extended data (ridge counts, cores and deltas,
// vendor data) is not interpreted: the block length is checked against the
// record, the bytes are kept raw and written back unchanged. The areas
// inside are not parsed (writers disagree on whether an area's length
// counts its own 4-byte header), so no vendor's block can break decoding.
// The record length is authoritative: when the last view's extended block
// length disagrees with the bytes left in the record (NIST's own sample
// records miscount their core/delta areas), the block runs to the record's
// end, and Encode writes the corrected length.
//
// Decoding checks every length against the bytes it has: the record length
// must equal the input length, the view count and minutia counts must fit,
// extended data blocks must end inside the record. Bad input yields an
// error wrapping ErrFormat (or ErrVersion for other record versions, such
// as ANSI/INCITS 378-2009 "030") and never a partial record.
//
// Template and FromTemplate convert to and from biometric.Template, the
// matcher's form: pixel coordinates, the angle in radians
// counter-clockwise from the x axis (the standards' convention, converted
// linearly) and the resolution in dots per inch (records store pixels per
// centimetre).
//
// Specifications: ISO/IEC 19794-2:2005 (https://www.iso.org/standard/38746.html);
// ANSI/INCITS 378-2004 (https://webstore.ansi.org/standards/incits/ansiincits3782004).
// NIST's libbiomeval test records (public domain) are the reference bytes
// the tests parse.
package iso19794

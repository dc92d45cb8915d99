// Package apdu encodes ISO/IEC 7816-4 command APDUs, decodes response APDUs,
// and runs command/response exchanges with the T=0 conventions cards use at
// the application level: status 61xx fetches the rest with GET RESPONSE, and
// 6Cxx resends the command with Le set to SW2.
//
// Only short APDUs are supported (Lc and Le of one byte, Ne up to 256), which
// is all the Thai national ID card application and the deployment's
// biometric applet use.
//
// Reference: ISO/IEC 7816-4:2020, section 5 (command-response pairs) and
// section 5.6 (status bytes); ISO/IEC 7816-3 section 10.3.5 (T=0 GET
// RESPONSE).
package apdu

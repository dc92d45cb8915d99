package apdu

import "fmt"

// Status words this package and its users name.
const (
	SWOK                     uint16 = 0x9000
	SWWrongLength            uint16 = 0x6700
	SWSecurityNotSatisfied   uint16 = 0x6982
	SWConditionsNotSatisfied uint16 = 0x6985
	SWCommandNotAllowed      uint16 = 0x6986
	SWWrongData              uint16 = 0x6A80
	SWFunctionNotSupported   uint16 = 0x6A81
	SWFileNotFound           uint16 = 0x6A82
	SWWrongP1P2              uint16 = 0x6A86
	SWINSNotSupported        uint16 = 0x6D00
	SWCLANotSupported        uint16 = 0x6E00
	SWUnknown                uint16 = 0x6F00
	SWEndOfFile              uint16 = 0x6282
	SWOffsetOutOfFile        uint16 = 0x6B00
)

var swNames = map[uint16]string{
	SWOK:                     "success",
	SWWrongLength:            "wrong length",
	SWSecurityNotSatisfied:   "security status not satisfied",
	SWConditionsNotSatisfied: "conditions of use not satisfied",
	SWCommandNotAllowed:      "command not allowed (no current EF)",
	SWWrongData:              "incorrect parameters in the data field",
	SWFunctionNotSupported:   "function not supported",
	SWFileNotFound:           "file or application not found",
	SWWrongP1P2:              "incorrect parameters P1-P2",
	SWINSNotSupported:        "instruction not supported",
	SWCLANotSupported:        "class not supported",
	SWUnknown:                "no precise diagnosis",
	SWEndOfFile:              "end of file reached before reading Ne bytes",
	SWOffsetOutOfFile:        "wrong parameters (offset outside the EF)",
}

// StatusError is a response whose status word is not 9000.
type StatusError struct {
	SW uint16
}

func (e *StatusError) Error() string {
	if n, ok := swNames[e.SW]; ok {
		return fmt.Sprintf("apdu: status %04X (%s)", e.SW, n)
	}
	switch byte(e.SW >> 8) {
	case 0x61:
		return fmt.Sprintf("apdu: status %04X (%d response bytes still available)", e.SW, decodeLe(byte(e.SW)))
	case 0x6C:
		return fmt.Sprintf("apdu: status %04X (wrong Le, exact length %d)", e.SW, decodeLe(byte(e.SW)))
	case 0x63:
		return fmt.Sprintf("apdu: status %04X (warning, non-volatile memory changed)", e.SW)
	case 0x64, 0x65:
		return fmt.Sprintf("apdu: status %04X (execution error)", e.SW)
	}
	return fmt.Sprintf("apdu: status %04X", e.SW)
}

// Is lets errors.Is(err, &StatusError{SW: x}) match on the status word.
func (e *StatusError) Is(target error) bool {
	t, ok := target.(*StatusError)
	return ok && t.SW == e.SW
}

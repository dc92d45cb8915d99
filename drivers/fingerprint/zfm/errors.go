package zfm

import (
	"errors"
	"fmt"

	"github.com/regterm/regterm/drivers/fingerprint"
)

// Errors of the link and the protocol. Confirmation codes from the module
// are Status values; those with a general meaning unwrap to one of these
// sentinels or to the fingerprint package's.
var (
	// ErrIncomplete is returned by Parser.Next when more bytes are needed.
	ErrIncomplete = errors.New("zfm: incomplete packet")
	// ErrChecksum means a frame's checksum did not match its bytes.
	ErrChecksum = errors.New("zfm: bad checksum")
	// ErrFrame means a frame had an impossible packet id or length.
	ErrFrame = errors.New("zfm: bad frame")
	// ErrProtocol means the module answered with a well-formed packet that
	// makes no sense here (wrong PID, short payload, wrong address).
	ErrProtocol = errors.New("zfm: protocol violation")
	// ErrCorrupt means every attempt of a transfer hit a corrupted packet.
	ErrCorrupt = errors.New("zfm: transfer corrupted on every attempt")
	// ErrNoBaud means the module answered at none of the probed baud rates.
	ErrNoBaud = errors.New("zfm: module answers at no probed baud rate")
	// ErrWrongPassword means the module rejected the configured password.
	ErrWrongPassword = errors.New("zfm: wrong module password")
	// ErrPasswordRequired means the module has a password that was not
	// verified (configure it in Opts.Password).
	ErrPasswordRequired = errors.New("zfm: module requires a password")
	// ErrNoMatch means the templates compared did not match.
	ErrNoMatch = errors.New("zfm: templates do not match")
	// ErrSensorHardware means the module reports a sensor fault.
	ErrSensorHardware = errors.New("zfm: sensor hardware fault")
	// ErrUnsupported means the module does not implement the instruction.
	ErrUnsupported = errors.New("zfm: instruction not supported by the module")
	// ErrImageSize means an uploaded image did not have the size the
	// module reported or the configuration gave.
	ErrImageSize = errors.New("zfm: image size mismatch")
	// ErrTooLong means a data transfer exceeded its limit.
	ErrTooLong = errors.New("zfm: data transfer too long")
	// ErrHalted means the device was halted.
	ErrHalted = errors.New("zfm: device halted")
	// ErrArgument means a caller passed a value the protocol cannot carry.
	ErrArgument = errors.New("zfm: invalid argument")
)

// Status is a confirmation code from an acknowledge packet (other than
// StatusOK). Use errors.As to get it and errors.Is to test its class.
type Status byte

// Confirmation codes (ZFM user manual 5.x, R503 manual chapter 5).
const (
	StatusOK               Status = 0x00
	StatusPacketError      Status = 0x01 // error receiving the packet
	StatusNoFinger         Status = 0x02
	StatusEnrollFail       Status = 0x03 // failed to take the finger image
	StatusImageTooDry      Status = 0x04
	StatusImageTooWet      Status = 0x05
	StatusImageMessy       Status = 0x06 // too disorderly to make a template
	StatusFewFeatures      Status = 0x07 // too few feature points
	StatusNoMatch          Status = 0x08
	StatusNotFound         Status = 0x09 // search found no matching template
	StatusCombineFail      Status = 0x0A
	StatusBadPage          Status = 0x0B // page id beyond the library
	StatusReadTemplate     Status = 0x0C // error reading / invalid template
	StatusUploadTemplate   Status = 0x0D
	StatusReceiveData      Status = 0x0E // cannot receive the following data
	StatusUploadImage      Status = 0x0F
	StatusDeleteFail       Status = 0x10
	StatusClearFail        Status = 0x11
	StatusLowPower         Status = 0x12
	StatusWrongPassword    Status = 0x13
	StatusReset            Status = 0x14 // system reset failed
	StatusNoImage          Status = 0x15 // no valid primary image
	StatusUpgradeFail      Status = 0x16
	StatusResidualFinger   Status = 0x17
	StatusFlashWrite       Status = 0x18
	StatusUndefined        Status = 0x19
	StatusBadRegister      Status = 0x1A
	StatusBadRegisterValue Status = 0x1B
	StatusBadNotepad       Status = 0x1C
	StatusPort             Status = 0x1D // failed to operate the port
	StatusAutoEnroll       Status = 0x1E
	StatusLibraryFull      Status = 0x1F
	StatusBadAddress       Status = 0x20
	StatusPasswordRequired Status = 0x21
	StatusEmptyTemplate    Status = 0x22
	StatusLibraryEmpty     Status = 0x24
	StatusTimeout          Status = 0x26
	StatusExists           Status = 0x27
	StatusSensorHardware   Status = 0x29
	StatusUnsupported      Status = 0xFC
	StatusHardware         Status = 0xFD
	StatusExecFail         Status = 0xFE
)

var statusText = map[Status]string{
	StatusOK:               "ok",
	StatusPacketError:      "module could not receive the packet",
	StatusNoFinger:         "no finger on the sensor",
	StatusEnrollFail:       "failed to take the finger image",
	StatusImageTooDry:      "image too dry or too light",
	StatusImageTooWet:      "image too wet or too dark",
	StatusImageMessy:       "image too messy to make a template",
	StatusFewFeatures:      "too few feature points in the image",
	StatusNoMatch:          "templates do not match",
	StatusNotFound:         "no matching template in the library",
	StatusCombineFail:      "failed to combine the character files",
	StatusBadPage:          "page id beyond the library",
	StatusReadTemplate:     "error reading the template, or invalid template",
	StatusUploadTemplate:   "error uploading the template",
	StatusReceiveData:      "module cannot receive the following data",
	StatusUploadImage:      "error uploading the image",
	StatusDeleteFail:       "failed to delete the template",
	StatusClearFail:        "failed to clear the library",
	StatusLowPower:         "cannot enter low power mode",
	StatusWrongPassword:    "wrong password",
	StatusReset:            "system reset failed",
	StatusNoImage:          "no valid image in the buffer",
	StatusUpgradeFail:      "online upgrade failed",
	StatusResidualFinger:   "residual fingerprint or finger not moved",
	StatusFlashWrite:       "error writing flash",
	StatusUndefined:        "undefined error",
	StatusBadRegister:      "invalid register number",
	StatusBadRegisterValue: "invalid register value",
	StatusBadNotepad:       "wrong notepad page",
	StatusPort:             "failed to operate the communication port",
	StatusAutoEnroll:       "automatic enrollment failed",
	StatusLibraryFull:      "fingerprint library full",
	StatusBadAddress:       "wrong device address",
	StatusPasswordRequired: "password must be verified first",
	StatusEmptyTemplate:    "template empty",
	StatusLibraryEmpty:     "fingerprint library empty",
	StatusTimeout:          "module timeout",
	StatusExists:           "fingerprint already exists",
	StatusSensorHardware:   "sensor hardware error",
	StatusUnsupported:      "unsupported instruction",
	StatusHardware:         "hardware error",
	StatusExecFail:         "command execution failure",
}

func (s Status) Error() string {
	if t, ok := statusText[s]; ok {
		return fmt.Sprintf("module status %#02x: %s", byte(s), t)
	}
	return fmt.Sprintf("module status %#02x: unknown code", byte(s))
}

// Unwrap returns the general error class of the code, or nil.
func (s Status) Unwrap() error {
	switch s {
	case StatusNoFinger:
		return fingerprint.ErrNoFinger
	case StatusEnrollFail, StatusImageTooDry, StatusImageTooWet, StatusImageMessy,
		StatusFewFeatures, StatusNoImage, StatusResidualFinger:
		return fingerprint.ErrPoorImage
	case StatusNoMatch, StatusNotFound:
		return ErrNoMatch
	case StatusWrongPassword:
		return ErrWrongPassword
	case StatusPasswordRequired:
		return ErrPasswordRequired
	case StatusSensorHardware, StatusHardware:
		return ErrSensorHardware
	case StatusUnsupported:
		return ErrUnsupported
	}
	return nil
}

// statusErr returns nil for StatusOK and the Status otherwise.
func statusErr(code byte) error {
	if code == 0 {
		return nil
	}
	return Status(code)
}

package pcsc

import (
	"errors"
	"fmt"
)

// Error is a PC/SC return code (pcsclite.h), as pcscd puts it in the rv
// field of a reply. Compare with errors.Is(err, pcsc.ErrNoSmartcard).
type Error uint32

// PC/SC return codes.
const (
	ErrInternalError          Error = 0x80100001 // SCARD_F_INTERNAL_ERROR
	ErrCancelled              Error = 0x80100002 // SCARD_E_CANCELLED
	ErrInvalidHandle          Error = 0x80100003 // SCARD_E_INVALID_HANDLE
	ErrInvalidParameter       Error = 0x80100004 // SCARD_E_INVALID_PARAMETER
	ErrInvalidTarget          Error = 0x80100005 // SCARD_E_INVALID_TARGET
	ErrNoMemory               Error = 0x80100006 // SCARD_E_NO_MEMORY
	ErrWaitedTooLong          Error = 0x80100007 // SCARD_F_WAITED_TOO_LONG
	ErrInsufficientBuffer     Error = 0x80100008 // SCARD_E_INSUFFICIENT_BUFFER
	ErrUnknownReader          Error = 0x80100009 // SCARD_E_UNKNOWN_READER
	ErrTimeout                Error = 0x8010000A // SCARD_E_TIMEOUT
	ErrSharingViolation       Error = 0x8010000B // SCARD_E_SHARING_VIOLATION
	ErrNoSmartcard            Error = 0x8010000C // SCARD_E_NO_SMARTCARD
	ErrUnknownCard            Error = 0x8010000D // SCARD_E_UNKNOWN_CARD
	ErrCantDispose            Error = 0x8010000E // SCARD_E_CANT_DISPOSE
	ErrProtoMismatch          Error = 0x8010000F // SCARD_E_PROTO_MISMATCH
	ErrNotReady               Error = 0x80100010 // SCARD_E_NOT_READY
	ErrInvalidValue           Error = 0x80100011 // SCARD_E_INVALID_VALUE
	ErrSystemCancelled        Error = 0x80100012 // SCARD_E_SYSTEM_CANCELLED
	ErrCommError              Error = 0x80100013 // SCARD_F_COMM_ERROR
	ErrUnknownError           Error = 0x80100014 // SCARD_F_UNKNOWN_ERROR
	ErrInvalidATR             Error = 0x80100015 // SCARD_E_INVALID_ATR
	ErrNotTransacted          Error = 0x80100016 // SCARD_E_NOT_TRANSACTED
	ErrReaderUnavailable      Error = 0x80100017 // SCARD_E_READER_UNAVAILABLE
	ErrShutdown               Error = 0x80100018 // SCARD_P_SHUTDOWN
	ErrPCITooSmall            Error = 0x80100019 // SCARD_E_PCI_TOO_SMALL
	ErrReaderUnsupported      Error = 0x8010001A // SCARD_E_READER_UNSUPPORTED
	ErrDuplicateReader        Error = 0x8010001B // SCARD_E_DUPLICATE_READER
	ErrCardUnsupported        Error = 0x8010001C // SCARD_E_CARD_UNSUPPORTED
	ErrNoService              Error = 0x8010001D // SCARD_E_NO_SERVICE
	ErrServiceStopped         Error = 0x8010001E // SCARD_E_SERVICE_STOPPED
	ErrUnsupportedFeature     Error = 0x8010001F // SCARD_E_UNSUPPORTED_FEATURE (also SCARD_E_UNEXPECTED in pcsc-lite)
	ErrICCInstallation        Error = 0x80100020 // SCARD_E_ICC_INSTALLATION
	ErrICCCreateOrder         Error = 0x80100021 // SCARD_E_ICC_CREATEORDER
	ErrDirNotFound            Error = 0x80100023 // SCARD_E_DIR_NOT_FOUND
	ErrFileNotFound           Error = 0x80100024 // SCARD_E_FILE_NOT_FOUND
	ErrNoDir                  Error = 0x80100025 // SCARD_E_NO_DIR
	ErrNoFile                 Error = 0x80100026 // SCARD_E_NO_FILE
	ErrNoAccess               Error = 0x80100027 // SCARD_E_NO_ACCESS
	ErrWriteTooMany           Error = 0x80100028 // SCARD_E_WRITE_TOO_MANY
	ErrBadSeek                Error = 0x80100029 // SCARD_E_BAD_SEEK
	ErrInvalidCHV             Error = 0x8010002A // SCARD_E_INVALID_CHV
	ErrUnknownResMng          Error = 0x8010002B // SCARD_E_UNKNOWN_RES_MNG
	ErrNoSuchCertificate      Error = 0x8010002C // SCARD_E_NO_SUCH_CERTIFICATE
	ErrCertificateUnavailable Error = 0x8010002D // SCARD_E_CERTIFICATE_UNAVAILABLE
	ErrNoReadersAvailable     Error = 0x8010002E // SCARD_E_NO_READERS_AVAILABLE
	ErrCommDataLost           Error = 0x8010002F // SCARD_E_COMM_DATA_LOST
	ErrNoKeyContainer         Error = 0x80100030 // SCARD_E_NO_KEY_CONTAINER
	ErrServerTooBusy          Error = 0x80100031 // SCARD_E_SERVER_TOO_BUSY
	ErrUnsupportedCard        Error = 0x80100065 // SCARD_W_UNSUPPORTED_CARD
	ErrUnresponsiveCard       Error = 0x80100066 // SCARD_W_UNRESPONSIVE_CARD
	ErrUnpoweredCard          Error = 0x80100067 // SCARD_W_UNPOWERED_CARD
	ErrResetCard              Error = 0x80100068 // SCARD_W_RESET_CARD
	ErrRemovedCard            Error = 0x80100069 // SCARD_W_REMOVED_CARD
	ErrSecurityViolation      Error = 0x8010006A // SCARD_W_SECURITY_VIOLATION
	ErrWrongCHV               Error = 0x8010006B // SCARD_W_WRONG_CHV
	ErrCHVBlocked             Error = 0x8010006C // SCARD_W_CHV_BLOCKED
	ErrEOF                    Error = 0x8010006D // SCARD_W_EOF
	ErrCancelledByUser        Error = 0x8010006E // SCARD_W_CANCELLED_BY_USER
	ErrCardNotAuthenticated   Error = 0x8010006F // SCARD_W_CARD_NOT_AUTHENTICATED
)

var errorNames = map[Error][2]string{
	ErrInternalError:          {"SCARD_F_INTERNAL_ERROR", "internal consistency check failed"},
	ErrCancelled:              {"SCARD_E_CANCELLED", "command cancelled"},
	ErrInvalidHandle:          {"SCARD_E_INVALID_HANDLE", "invalid handle"},
	ErrInvalidParameter:       {"SCARD_E_INVALID_PARAMETER", "invalid parameter given"},
	ErrInvalidTarget:          {"SCARD_E_INVALID_TARGET", "invalid target given"},
	ErrNoMemory:               {"SCARD_E_NO_MEMORY", "not enough memory"},
	ErrWaitedTooLong:          {"SCARD_F_WAITED_TOO_LONG", "waited too long"},
	ErrInsufficientBuffer:     {"SCARD_E_INSUFFICIENT_BUFFER", "insufficient buffer"},
	ErrUnknownReader:          {"SCARD_E_UNKNOWN_READER", "unknown reader specified"},
	ErrTimeout:                {"SCARD_E_TIMEOUT", "command timeout"},
	ErrSharingViolation:       {"SCARD_E_SHARING_VIOLATION", "sharing violation"},
	ErrNoSmartcard:            {"SCARD_E_NO_SMARTCARD", "no smart card inserted"},
	ErrUnknownCard:            {"SCARD_E_UNKNOWN_CARD", "unknown card"},
	ErrCantDispose:            {"SCARD_E_CANT_DISPOSE", "cannot dispose handle"},
	ErrProtoMismatch:          {"SCARD_E_PROTO_MISMATCH", "card protocol mismatch"},
	ErrNotReady:               {"SCARD_E_NOT_READY", "subsystem not ready"},
	ErrInvalidValue:           {"SCARD_E_INVALID_VALUE", "invalid value given"},
	ErrSystemCancelled:        {"SCARD_E_SYSTEM_CANCELLED", "system cancelled"},
	ErrCommError:              {"SCARD_F_COMM_ERROR", "RPC transport error"},
	ErrUnknownError:           {"SCARD_F_UNKNOWN_ERROR", "unknown error"},
	ErrInvalidATR:             {"SCARD_E_INVALID_ATR", "invalid ATR"},
	ErrNotTransacted:          {"SCARD_E_NOT_TRANSACTED", "transaction failed"},
	ErrReaderUnavailable:      {"SCARD_E_READER_UNAVAILABLE", "reader is unavailable"},
	ErrShutdown:               {"SCARD_P_SHUTDOWN", "PC/SC shutdown"},
	ErrPCITooSmall:            {"SCARD_E_PCI_TOO_SMALL", "PCI struct too small"},
	ErrReaderUnsupported:      {"SCARD_E_READER_UNSUPPORTED", "reader is unsupported"},
	ErrDuplicateReader:        {"SCARD_E_DUPLICATE_READER", "reader already exists"},
	ErrCardUnsupported:        {"SCARD_E_CARD_UNSUPPORTED", "card is unsupported"},
	ErrNoService:              {"SCARD_E_NO_SERVICE", "service not available (is pcscd running?)"},
	ErrServiceStopped:         {"SCARD_E_SERVICE_STOPPED", "service was stopped"},
	ErrUnsupportedFeature:     {"SCARD_E_UNSUPPORTED_FEATURE", "feature not supported"},
	ErrICCInstallation:        {"SCARD_E_ICC_INSTALLATION", "no primary provider for the card"},
	ErrICCCreateOrder:         {"SCARD_E_ICC_CREATEORDER", "requested order of object creation is not supported"},
	ErrDirNotFound:            {"SCARD_E_DIR_NOT_FOUND", "directory not found"},
	ErrFileNotFound:           {"SCARD_E_FILE_NOT_FOUND", "file not found"},
	ErrNoDir:                  {"SCARD_E_NO_DIR", "no directory"},
	ErrNoFile:                 {"SCARD_E_NO_FILE", "no file"},
	ErrNoAccess:               {"SCARD_E_NO_ACCESS", "access denied"},
	ErrWriteTooMany:           {"SCARD_E_WRITE_TOO_MANY", "too many writes"},
	ErrBadSeek:                {"SCARD_E_BAD_SEEK", "bad seek"},
	ErrInvalidCHV:             {"SCARD_E_INVALID_CHV", "invalid PIN"},
	ErrUnknownResMng:          {"SCARD_E_UNKNOWN_RES_MNG", "unknown resource manager"},
	ErrNoSuchCertificate:      {"SCARD_E_NO_SUCH_CERTIFICATE", "no such certificate"},
	ErrCertificateUnavailable: {"SCARD_E_CERTIFICATE_UNAVAILABLE", "certificate unavailable"},
	ErrNoReadersAvailable:     {"SCARD_E_NO_READERS_AVAILABLE", "cannot find a smart card reader"},
	ErrCommDataLost:           {"SCARD_E_COMM_DATA_LOST", "communication data lost"},
	ErrNoKeyContainer:         {"SCARD_E_NO_KEY_CONTAINER", "no key container"},
	ErrServerTooBusy:          {"SCARD_E_SERVER_TOO_BUSY", "server too busy"},
	ErrUnsupportedCard:        {"SCARD_W_UNSUPPORTED_CARD", "card is not supported"},
	ErrUnresponsiveCard:       {"SCARD_W_UNRESPONSIVE_CARD", "card is unresponsive"},
	ErrUnpoweredCard:          {"SCARD_W_UNPOWERED_CARD", "card is unpowered"},
	ErrResetCard:              {"SCARD_W_RESET_CARD", "card was reset"},
	ErrRemovedCard:            {"SCARD_W_REMOVED_CARD", "card was removed"},
	ErrSecurityViolation:      {"SCARD_W_SECURITY_VIOLATION", "access denied"},
	ErrWrongCHV:               {"SCARD_W_WRONG_CHV", "wrong PIN"},
	ErrCHVBlocked:             {"SCARD_W_CHV_BLOCKED", "PIN blocked"},
	ErrEOF:                    {"SCARD_W_EOF", "end of file"},
	ErrCancelledByUser:        {"SCARD_W_CANCELLED_BY_USER", "cancelled by user"},
	ErrCardNotAuthenticated:   {"SCARD_W_CARD_NOT_AUTHENTICATED", "card not authenticated"},
}

// Name returns the PC/SC name of the code, e.g. "SCARD_E_NO_SMARTCARD".
func (e Error) Name() string {
	if n, ok := errorNames[e]; ok {
		return n[0]
	}
	return fmt.Sprintf("SCARD_0x%08X", uint32(e))
}

func (e Error) Error() string {
	if n, ok := errorNames[e]; ok {
		return fmt.Sprintf("pcsc: %s (0x%08X): %s", n[0], uint32(e), n[1])
	}
	return fmt.Sprintf("pcsc: unknown return code 0x%08X", uint32(e))
}

// ErrProtocol means pcscd sent a reply this client cannot make sense of (a
// length or field out of range); the connection is closed.
var ErrProtocol = errors.New("pcsc: malformed reply from pcscd")

// ErrClosed is returned by calls on a closed Client or disconnected Card.
var ErrClosed = errors.New("pcsc: client closed")

func rvErr(rv uint32) error {
	if rv == 0 {
		return nil
	}
	return Error(rv)
}

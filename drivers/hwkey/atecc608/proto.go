package atecc608

import (
	"errors"
	"fmt"
	"time"
)

// Word addresses: the first byte the host writes.
const (
	WordReset   = 0x00
	WordSleep   = 0x01
	WordIdle    = 0x02
	WordCommand = 0x03
)

// Opcodes of the commands this driver uses.
const (
	OpRead   = 0x02
	OpNonce  = 0x16
	OpRandom = 0x1B
	OpInfo   = 0x30
	OpGenKey = 0x40
	OpSign   = 0x41
)

// WakeToken is what the chip answers right after waking: count 4, status
// 0x11, CRC.
var WakeToken = []byte{0x04, 0x11, 0x33, 0x43}

// ExecTime is the maximum execution time of each command at the default
// clock divider M0 (ATECC608A datasheet, table "Command Execution Times";
// the same values as CryptoAuthLib's device_execution_time_608_m0): the
// budget the driver polls within.
var ExecTime = map[byte]time.Duration{
	OpRead:   5 * time.Millisecond,
	OpNonce:  20 * time.Millisecond,
	OpRandom: 23 * time.Millisecond,
	OpInfo:   5 * time.Millisecond,
	OpGenKey: 115 * time.Millisecond,
	OpSign:   115 * time.Millisecond,
}

// ChipMode clock dividers (configuration byte 19, bits 7..3; the low
// power modes slow the ECC commands down).
const (
	ChipModeOffset      = 19
	ClockDivMask   byte = 0xF8
	ClockDivM0     byte = 0x00
	ClockDivM1     byte = 0x28
	ClockDivM2     byte = 0x68
)

// slower holds the ECC commands' maximum times at the clock dividers M1
// and M2; the other commands take the M0 time at every divider.
var slower = map[byte]map[byte]time.Duration{
	ClockDivM1: {OpGenKey: 215 * time.Millisecond, OpSign: 220 * time.Millisecond},
	ClockDivM2: {OpGenKey: 653 * time.Millisecond, OpSign: 665 * time.Millisecond},
}

// ExecTimeAt is the maximum execution time of op for the ChipMode byte
// chipMode (an unknown divider gets the slowest, M2, budget).
func ExecTimeAt(op, chipMode byte) time.Duration {
	div := chipMode & ClockDivMask
	if div != ClockDivM0 {
		t, ok := slower[div]
		if !ok {
			t = slower[ClockDivM2]
		}
		if d, ok := t[op]; ok {
			return d
		}
	}
	return ExecTime[op]
}

// CRC16 is the chip's CRC-16 over b: polynomial 0x8005, initial 0, each
// byte fed least significant bit first, no final XOR. The packet carries it
// little endian.
func CRC16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		for bit := 0; bit < 8; bit++ {
			in := uint16(c>>bit) & 1
			top := crc >> 15
			crc <<= 1
			if in != top {
				crc ^= 0x8005
			}
		}
	}
	return crc
}

// Packet builds a command packet (without the 0x03 word address).
func Packet(op, p1 byte, p2 uint16, data []byte) []byte {
	n := 7 + len(data)
	b := make([]byte, 0, n)
	b = append(b, byte(n), op, p1, byte(p2), byte(p2>>8))
	b = append(b, data...)
	crc := CRC16(b)
	return append(b, byte(crc), byte(crc>>8))
}

// Response wraps data as the chip sends it: count, data, CRC.
func Response(data []byte) []byte {
	b := append([]byte{byte(len(data) + 3)}, data...)
	crc := CRC16(b)
	return append(b, byte(crc), byte(crc>>8))
}

// Status codes in a 4-byte response.
const (
	StatusSuccess       = 0x00
	StatusMiscompare    = 0x01
	StatusParse         = 0x03
	StatusECCFault      = 0x05
	StatusSelfTest      = 0x07
	StatusHealthTest    = 0x08
	StatusExecution     = 0x0F
	StatusAfterWake     = 0x11
	StatusWatchdog      = 0xEE
	StatusCommunication = 0xFF
)

// Sentinels a StatusError unwraps to.
var (
	ErrMiscompare    = errors.New("atecc608: checkmac or verify miscompare")
	ErrParse         = errors.New("atecc608: parse error (bad opcode, mode or parameter)")
	ErrECCFault      = errors.New("atecc608: ECC processing fault")
	ErrSelfTest      = errors.New("atecc608: self test error")
	ErrHealthTest    = errors.New("atecc608: random number generator health test error")
	ErrExecution     = errors.New("atecc608: execution error (the command is not allowed for this slot or state)")
	ErrWatchdog      = errors.New("atecc608: watchdog about to expire")
	ErrCommunication = errors.New("atecc608: CRC or communication error seen by the chip")
	ErrStatus        = errors.New("atecc608: unexpected status")
)

// StatusError is a non-zero status byte returned by the chip.
type StatusError struct {
	Op     byte
	Status byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("atecc608: opcode 0x%02x: status 0x%02x: %v", e.Op, e.Status, e.Unwrap())
}

// Unwrap returns the sentinel of the status.
func (e *StatusError) Unwrap() error {
	switch e.Status {
	case StatusMiscompare:
		return ErrMiscompare
	case StatusParse:
		return ErrParse
	case StatusECCFault:
		return ErrECCFault
	case StatusSelfTest:
		return ErrSelfTest
	case StatusHealthTest:
		return ErrHealthTest
	case StatusExecution:
		return ErrExecution
	case StatusWatchdog:
		return ErrWatchdog
	case StatusCommunication:
		return ErrCommunication
	}
	return ErrStatus
}

// Configuration zone offsets (128 bytes; datasheet "Configuration Zone").
const (
	ConfigSize       = 128
	offRevision      = 4
	offSlotConfig    = 20
	offLockValue     = 86 // data and OTP zones: 0x00 locked, 0x55 unlocked
	offLockConfig    = 87 // configuration zone
	offSlotLocked    = 88 // bit per slot, 0 = locked
	offKeyConfig     = 96
	keyTypeP256      = 4
	slotConfExtSign  = 1 << 0 // ReadKey bit 0 for a private key: external signatures
	slotConfIsSecret = 1 << 7
)

// SlotInfo is what the configuration zone says about a key slot.
type SlotInfo struct {
	SlotConfig, KeyConfig uint16
	Private               bool // KeyConfig.Private
	PubInfo               bool // KeyConfig.PubInfo: GenKey may compute the public key
	KeyType               int  // KeyConfig.KeyType: 4 = P-256
	ExternalSign          bool // SlotConfig.ReadKey bit 0
	Secret                bool // SlotConfig.IsSecret
	SlotLocked            bool // SlotLocked bit clear
	ConfigLocked          bool // LockConfig == 0x00
	DataLocked            bool // LockValue == 0x00
}

// ParseSlot reads slot's settings from a configuration zone.
func ParseSlot(config []byte, slot int) (SlotInfo, error) {
	if len(config) != ConfigSize {
		return SlotInfo{}, fmt.Errorf("atecc608: config zone of %d bytes, want %d", len(config), ConfigSize)
	}
	if slot < 0 || slot > 15 {
		return SlotInfo{}, fmt.Errorf("%w: %d", ErrSlot, slot)
	}
	sc := uint16(config[offSlotConfig+2*slot]) | uint16(config[offSlotConfig+2*slot+1])<<8
	kc := uint16(config[offKeyConfig+2*slot]) | uint16(config[offKeyConfig+2*slot+1])<<8
	locked := uint16(config[offSlotLocked]) | uint16(config[offSlotLocked+1])<<8
	return SlotInfo{
		SlotConfig:   sc,
		KeyConfig:    kc,
		Private:      kc&1 != 0,
		PubInfo:      kc&2 != 0,
		KeyType:      int(kc>>2) & 7,
		ExternalSign: sc&slotConfExtSign != 0,
		Secret:       sc&slotConfIsSecret != 0,
		SlotLocked:   locked&(1<<slot) == 0,
		ConfigLocked: config[offLockConfig] == 0x00,
		DataLocked:   config[offLockValue] == 0x00,
	}, nil
}

// check reports why the slot cannot be this terminal's signing key.
func (s SlotInfo) check() error {
	switch {
	case !s.ConfigLocked:
		return errors.New("configuration zone not locked")
	case !s.DataLocked:
		return errors.New("data zone not locked")
	case !s.Private || s.KeyType != keyTypeP256:
		return fmt.Errorf("not a P-256 private key (KeyConfig 0x%04x)", s.KeyConfig)
	case !s.Secret:
		return fmt.Errorf("not secret (SlotConfig 0x%04x)", s.SlotConfig)
	case !s.ExternalSign:
		return fmt.Errorf("external signatures not allowed (SlotConfig 0x%04x)", s.SlotConfig)
	case !s.PubInfo:
		return fmt.Errorf("public key not readable (KeyConfig.PubInfo clear, 0x%04x)", s.KeyConfig)
	}
	return nil
}

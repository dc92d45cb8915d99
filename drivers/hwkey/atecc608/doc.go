// Package atecc608 is a hwkey.Signer on a Microchip ATECC608A/B
// CryptoAuthentication secure element over I²C (periph.io/x/conn/v3/i2c):
// an ECDSA P-256 private key in one of its slots that never leaves the chip.
//
// The wire protocol (ATECC608A datasheet DS40001977, "I²C Interface" and
// "Command Packets"): the host wakes the chip by holding SDA low for at
// least t_WLO = 60 µs (a write to address 0x00 at 100 kHz), waits t_WHI =
// 1.5 ms and reads the wake token 04 11 33 43. Each transfer starts with a
// word address: 0x00 reset, 0x01 sleep, 0x02 idle, 0x03 command. A command
// packet is count, opcode, param1, param2 (little endian), data, CRC-16
// (polynomial 0x8005, initial value 0, bits fed least significant first,
// stored little endian) over count..data; a response is count, data, CRC.
// A 4-byte response carries a status byte (StatusError). While executing,
// the chip does not acknowledge its address: the driver polls within the
// command's maximum execution time. The watchdog puts the chip to sleep
// about 1.3 s after wake, so every operation wakes the chip, runs, and puts
// it to sleep again; a watchdog or CRC failure is retried from the wake.
//
// Signing an external digest is Nonce in pass-through mode (the digest into
// TempKey) followed by Sign in external mode for the slot (mode 0x80). New
// checks, by reading the configuration zone, that the slot is a P-256
// private key (KeyConfig.Private, KeyType 4) allowed to sign external
// messages, and that the configuration and data zones are locked.
//
// Package atecc608test is a behavioural model of the chip for tests.
package atecc608

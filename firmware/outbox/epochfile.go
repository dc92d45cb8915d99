package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// The epoch side file: magic(8) epoch(8) lastSeq(8) crc32c(4), big endian.
var epochMagic = [8]byte{'R', 'G', 'T', 'E', 'P', 'O', 'C', '1'}

const epochFileLen = 28

// ErrEpochFile means the epoch side file is not one this package wrote.
var ErrEpochFile = errors.New("outbox: bad epoch file")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// epochState is the content of the side file.
type epochState struct {
	Epoch   uint64
	LastSeq uint64 // lower bound of the last sequence used in Epoch
}

func (s epochState) marshal() []byte {
	b := make([]byte, epochFileLen)
	copy(b, epochMagic[:])
	binary.BigEndian.PutUint64(b[8:], s.Epoch)
	binary.BigEndian.PutUint64(b[16:], s.LastSeq)
	binary.BigEndian.PutUint32(b[24:], crc32.Checksum(b[:24], castagnoli))
	return b
}

func parseEpochFile(b []byte) (epochState, error) {
	if len(b) != epochFileLen {
		return epochState{}, fmt.Errorf("%w: %d bytes, want %d", ErrEpochFile, len(b), epochFileLen)
	}
	if [8]byte(b[:8]) != epochMagic {
		return epochState{}, fmt.Errorf("%w: bad magic", ErrEpochFile)
	}
	if got, want := binary.BigEndian.Uint32(b[24:]), crc32.Checksum(b[:24], castagnoli); got != want {
		return epochState{}, fmt.Errorf("%w: checksum %08x, want %08x", ErrEpochFile, got, want)
	}
	s := epochState{Epoch: binary.BigEndian.Uint64(b[8:]), LastSeq: binary.BigEndian.Uint64(b[16:])}
	if s.Epoch == 0 {
		return epochState{}, fmt.Errorf("%w: epoch 0", ErrEpochFile)
	}
	return s, nil
}

// readEpochFile returns the side file's state; ok is false when the file
// does not exist.
func readEpochFile(path string) (s epochState, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return epochState{}, false, nil
	}
	if err != nil {
		return epochState{}, false, fmt.Errorf("outbox: epoch file: %w", err)
	}
	s, err = parseEpochFile(b)
	return s, err == nil, err
}

// writeEpochFile replaces the side file atomically and durably.
func writeEpochFile(path string, s epochState) error {
	if err := writeFileSync(path, s.marshal()); err != nil {
		return fmt.Errorf("outbox: epoch file: %w", err)
	}
	return nil
}

// writeFileSync writes b to a temporary file, fsyncs it, renames it over
// path and fsyncs the directory.
func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

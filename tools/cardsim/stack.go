package cardsim

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// VPCDDriver is where Debian's vsmartcard-vpcd installs the driver.
const VPCDDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

// vpcdLib is where this process finds vpcd (moved by HidePCSCDrivers).
var vpcdLib = VPCDDriver

// ErrStackUnavailable means pcscd, the vpcd driver or the privileges to run
// them in private namespaces are missing.
var ErrStackUnavailable = errors.New("cardsim: pcscd + vpcd stack unavailable")

// Slot is one vpcd reader slot.
type Slot struct {
	Reader string // the reader name pcscd gives it, e.g. "Virtual PCD 00 00"
	Addr   string // where the virtual card connects, e.g. "127.0.0.1:35963"
}

// LookPath finds a command in $PATH or the sbin directories.
func LookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s not found (install Debian pcscd and vsmartcard-vpcd)", ErrStackUnavailable, name)
}

// CheckPeers reports whether pcscd and the vpcd driver are installed.
func CheckPeers() (pcscd string, err error) {
	pcscd, err = LookPath("pcscd")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(vpcdLib); err != nil {
		return "", fmt.Errorf("%w: vpcd driver %s not found (install vsmartcard-vpcd)", ErrStackUnavailable, vpcdLib)
	}
	return pcscd, nil
}

// WriteReaderConf writes a reader.conf.d directory declaring one vpcd reader
// (driver lib, VPCDDriver when empty) listening on port (vpcd opens two
// slots, on port and port+1) and returns the slots.
func WriteReaderConf(dir string, port int, lib string) ([]Slot, error) {
	if lib == "" {
		lib = VPCDDriver
	}
	conf := fmt.Sprintf("FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x%04X\nLIBPATH      %s\nCHANNELID    0x%04X\n", port, lib, port)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "vpcd"), []byte(conf), 0o644); err != nil {
		return nil, err
	}
	return []Slot{
		{Reader: "Virtual PCD 00 00", Addr: fmt.Sprintf("127.0.0.1:%d", port)},
		{Reader: "Virtual PCD 00 01", Addr: fmt.Sprintf("127.0.0.1:%d", port+1)},
	}, nil
}

// DriversDir is pcscd's USB driver directory (Debian's usbdropdir). The
// private stacks hide it behind an empty tmpfs so that pcscd does not take
// real USB readers away from the system's pcscd; vpcd is loaded from a copy.
const DriversDir = "/usr/lib/pcsc/drivers"

// PCSCDArgs returns pcscd's arguments for running in the foreground with
// the reader configuration in confDir (adds --disable-polkit when this
// pcscd has polkit support).
func PCSCDArgs(pcscd, confDir string) []string {
	args := []string{"-f", "-c", confDir}
	if out, err := exec.Command(pcscd, "--help").CombinedOutput(); err == nil && strings.Contains(string(out), "--disable-polkit") {
		args = append(args, "--disable-polkit")
	}
	return args
}

package main

// hwcheck key: provisioning of the terminal's hardware key. It creates or
// finds the signing key (TPM 2.0, or the development soft key), prints its
// key id and a QR code of it for the onboarding officer, writes a PKCS#10
// CSR signed by the key, and installs the device certificate the registry
// CA issues (checking it certifies this key) and shows its expiry.

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/atecc608"
	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/drivers/hwkey/tpm2"
)

func init() {
	commands["key"] = command{
		summary: "provision the hardware key: key id + QR, CSR, install the device certificate",
		run:     func(args []string) int { return runKey(args, os.Stdout, os.Stderr, time.Now) },
	}
}

// keyIDPrefix marks a key id in the QR code the onboarding officer scans:
// uppercase hex so the QR stays in alphanumeric mode.
const keyIDPrefix = "RTKEY:"

func runKey(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fs := flag.NewFlagSet("key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tpmName := fs.String("tpm", "/dev/tpmrm0", "TPM: device path or tcp:HOST:PORT (swtpm)")
	handleS := fs.String("handle", "0x81000001", "persistent handle of the signing key")
	softPath := fs.String("soft", "", "use the development soft key in this PEM file instead of the TPM")
	atecc := fs.String("atecc", "", "use an ATECC608 on this I²C bus (periph name, e.g. 1 or /dev/i2c-1) instead of the TPM")
	ateccAddr := fs.Uint("addr", 0x60, "ATECC608 I²C address")
	ateccSlot := fs.Int("slot", 0, "ATECC608 key slot")
	noCreate := fs.Bool("no-create", false, "fail instead of creating a key at an empty handle")
	cn := fs.String("cn", "", "terminal id: the CSR's subject common name")
	csrPath := fs.String("csr", "", "write a PKCS#10 CSR (PEM) signed by the key to this file (needs -cn)")
	install := fs.String("install", "", "device certificate (PEM) issued by the registry CA to install")
	caPath := fs.String("ca", "", "registry CA certificate(s) (PEM) the device certificate must chain to")
	certOut := fs.String("cert-out", "/var/lib/regterm/device.crt", "where -install writes the certificate")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline for the whole provisioning")
	noQR := fs.Bool("no-qr", false, "do not draw the QR code")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hwcheck key [-tpm /dev/tpmrm0|tcp:HOST:PORT] [-handle 0x81000001] [-cn TERMINAL-ID -csr out.csr] [-install device.crt [-ca registry-ca.pem] [-cert-out PATH]]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *csrPath != "" && *cn == "" {
		fmt.Fprintln(stderr, "hwcheck key: -csr needs -cn TERMINAL-ID")
		return 2
	}
	handle, err := strconv.ParseUint(*handleS, 0, 32)
	if err != nil {
		fmt.Fprintf(stderr, "hwcheck key: -handle %q: %v\n", *handleS, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var s hwkey.Signer
	if *atecc != "" {
		k, err := openATECC(ctx, *atecc, uint16(*ateccAddr), *ateccSlot)
		if err != nil {
			return fail(stderr, "open ATECC608", err)
		}
		fmt.Fprintf(stdout, "found %v\n", k)
		s = k
	} else if *softPath != "" {
		k, err := soft.Open(*softPath, &soft.Opts{Create: !*noCreate})
		if err != nil {
			return fail(stderr, "open soft key", err)
		}
		fmt.Fprintf(stdout, "WARNING: development soft key %s, not for a terminal in service\n", *softPath)
		s = k
	} else {
		k, err := tpm2.Open(ctx, *tpmName, &tpm2.Opts{Handle: uint32(handle), NoCreate: *noCreate})
		if err != nil {
			return fail(stderr, "open TPM key", err)
		}
		if k.Created() {
			fmt.Fprintf(stdout, "created a new ECDSA P-256 key at handle 0x%08x on %s\n", k.Handle(), *tpmName)
		} else {
			fmt.Fprintf(stdout, "found the ECDSA P-256 key at handle 0x%08x on %s\n", k.Handle(), *tpmName)
		}
		s = k
	}
	defer s.Close()
	if err := s.Health(ctx); err != nil {
		return fail(stderr, "key health", err)
	}
	id := s.KeyID()
	fmt.Fprintf(stdout, "key id: %s\n", groupHex(id[:]))
	if !*noQR {
		q, err := qrcode.New(keyIDPrefix+strings.ToUpper(hex.EncodeToString(id[:])), qrcode.Medium)
		if err != nil {
			return fail(stderr, "QR code", err)
		}
		fmt.Fprint(stdout, q.ToSmallString(false))
	}

	if *csrPath != "" {
		if err := writeCSR(*csrPath, *cn, s); err != nil {
			return fail(stderr, "CSR", err)
		}
		fmt.Fprintf(stdout, "CSR for CN=%s written to %s\n", *cn, *csrPath)
	}
	if *install != "" {
		cert, err := installCert(*install, *caPath, *certOut, s, now())
		if err != nil {
			return fail(stderr, "install certificate", err)
		}
		left := cert.NotAfter.Sub(now())
		fmt.Fprintf(stdout, "installed device certificate for CN=%s (serial %s) at %s\n", cert.Subject.CommonName, cert.SerialNumber, *certOut)
		fmt.Fprintf(stdout, "certificate expires %s (in %d days)\n", cert.NotAfter.UTC().Format(time.RFC3339), int(left.Hours()/24))
	}
	fmt.Fprintln(stdout, "key OK")
	return 0
}

func fail(w io.Writer, what string, err error) int {
	fmt.Fprintf(w, "hwcheck key: %s: %v\n", what, err)
	switch {
	case errors.Is(err, tpm2.ErrNoTPM):
		fmt.Fprintln(w, "  no TPM found: check the TPM module is seated and the kernel driver loaded (ls /dev/tpm*)")
	case errors.Is(err, tpm2.ErrLockout):
		fmt.Fprintln(w, "  the TPM is in dictionary-attack lockout: wait for the recovery time or reset it with the lockout authorization")
	case errors.Is(err, tpm2.ErrWrongKey):
		fmt.Fprintln(w, "  the handle holds a different key: do NOT evict it without the registry's decommissioning procedure")
	case errors.Is(err, atecc608.ErrNoDevice):
		fmt.Fprintln(w, "  no ATECC608 answered: check the bus name, the address (i2cdetect) and the module's power")
	case errors.Is(err, atecc608.ErrSlot):
		fmt.Fprintln(w, "  the slot is not a locked P-256 private key: the chip was not provisioned for regterm")
	case errors.Is(err, errCertKey):
		fmt.Fprintln(w, "  the certificate was issued for another key: send the CSR of this terminal again")
	}
	return 1
}

func groupHex(b []byte) string {
	h := hex.EncodeToString(b)
	var g []string
	for i := 0; i < len(h); i += 8 {
		g = append(g, h[i:i+8])
	}
	return strings.Join(g, " ")
}

func writeCSR(path, cn string, s hwkey.Signer) error {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:            pkix.Name{CommonName: cn},
		SignatureAlgorithm: x509.ECDSAWithSHA256,
	}, s)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o644)
}

var errCertKey = errors.New("certificate does not certify this key")

// installCert checks that the certificate in path certifies s's public key
// (and chains to the CA in caPath, when given) and is valid at now, and
// writes it to out.
func installCert(path, caPath, out string, s hwkey.Signer, now time.Time) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no CERTIFICATE PEM block", path)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(s.Public()) {
		return nil, errCertKey
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, fmt.Errorf("certificate valid %s to %s, not now (%s): check the clock", cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if caPath != "" {
		cb, err := os.ReadFile(caPath)
		if err != nil {
			return nil, err
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(cb) {
			return nil, fmt.Errorf("%s: no CA certificate", caPath)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			return nil, err
		}
	}
	if err := writeFileAtomic(out, pem.EncodeToMemory(blk), 0o644); err != nil {
		return nil, err
	}
	return cert, nil
}

func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".hwcheck-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// openATECC opens the I²C bus with periph's registry (hwcheck is a tool:
// it may open buses itself) and the chip on it.
func openATECC(ctx context.Context, bus string, addr uint16, slot int) (hwkey.Signer, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("periph: %w", err)
	}
	b, err := i2creg.Open(bus)
	if err != nil {
		return nil, fmt.Errorf("I²C bus %q: %w", bus, err)
	}
	d, err := atecc608.New(ctx, b, &atecc608.Opts{Addr: addr, Slot: slot})
	if err != nil {
		b.Close()
		return nil, err
	}
	return &ateccBus{Dev: d, bus: b}, nil
}

// ateccBus is the chip and the bus hwcheck opened for it.
type ateccBus struct {
	*atecc608.Dev
	bus i2c.BusCloser
}

func (a *ateccBus) Close() error { return errors.Join(a.Dev.Halt(), a.bus.Close()) }

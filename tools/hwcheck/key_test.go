package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"image"
	"image/color"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/regterm/regterm/drivers/hwkey/tpm2/swtpmtest"
	"github.com/regterm/regterm/internal/testpeer"
)

// decodeTerminalQR turns go-qrcode's half-block rendering back into an
// image and decodes it with gozxing.
func decodeTerminalQR(t *testing.T, out string) string {
	t.Helper()
	var rows [][]rune
	for _, l := range strings.Split(out, "\n") {
		if strings.ContainsAny(l, "█▀▄") {
			rows = append(rows, []rune(l))
		}
	}
	if len(rows) == 0 {
		t.Fatal("no QR code in the output")
	}
	const scale = 4
	w, h := len(rows[0]), 2*len(rows)
	img := image.NewGray(image.Rect(0, 0, w*scale, h*scale))
	for y, r := range rows {
		for x, c := range r {
			// '█' both halves light, '▀' top light, '▄' bottom light.
			top := c == '█' || c == '▀'
			bottom := c == '█' || c == '▄'
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					set := func(yy int, light bool) {
						v := uint8(0)
						if light {
							v = 255
						}
						img.SetGray(x*scale+dx, yy*scale+dy, color.Gray{v})
					}
					set(2*y, top)
					set(2*y+1, bottom)
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR code does not decode: %v", err)
	}
	return res.GetText()
}

func TestKeyProvisioning(t *testing.T) {
	openssl := testpeer.Command(t, "openssl")
	sw := swtpmtest.New(t)
	dir := t.TempDir()
	csr := filepath.Join(dir, "t.csr")
	var stdout, stderr bytes.Buffer
	args := []string{"-tpm", "tcp:" + sw.Addr, "-cn", "BKK-0042", "-csr", csr}
	if code := runKey(args, &stdout, &stderr, time.Now); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "created a new ECDSA P-256 key at handle 0x81000001") {
		t.Errorf("output does not say the key was created:\n%s", out)
	}
	// The key id line and the QR code say the same.
	var idHex string
	for _, l := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(l, "key id: "); ok {
			idHex = strings.ReplaceAll(s, " ", "")
		}
	}
	if len(idHex) != 64 {
		t.Fatalf("no key id line in:\n%s", out)
	}
	if got, want := decodeTerminalQR(t, out), keyIDPrefix+strings.ToUpper(idHex); got != want {
		t.Errorf("QR says %q, want %q", got, want)
	}

	// openssl checks the CSR's self-signature (made by the TPM).
	if b, err := exec.Command(openssl, "req", "-in", csr, "-verify", "-noout").CombinedOutput(); err != nil || !bytes.Contains(b, []byte("verify OK")) {
		t.Fatalf("openssl req -verify: %v: %s", err, b)
	}
	b, _ := os.ReadFile(csr)
	blk, _ := pem.Decode(b)
	req, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if req.Subject.CommonName != "BKK-0042" {
		t.Errorf("CSR CN %q", req.Subject.CommonName)
	}
	spki, _ := x509.MarshalPKIXPublicKey(req.PublicKey)
	if got := sha256hex(spki); got != idHex {
		t.Errorf("CSR key %s, key id %s", got, idHex)
	}

	// The registry CA issues the certificate; install it.
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "registry CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(pub any, serial int64) string {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: req.Subject,
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, 365),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "dev"+big.NewInt(serial).String()+".crt")
		os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
		return p
	}
	caPath := filepath.Join(dir, "ca.pem")
	os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	installed := filepath.Join(dir, "state", "device.crt")

	good := issue(req.PublicKey, 2)
	stdout.Reset()
	stderr.Reset()
	args = []string{"-tpm", "tcp:" + sw.Addr, "-no-create", "-no-qr", "-install", good, "-ca", caPath, "-cert-out", installed}
	if code := runKey(args, &stdout, &stderr, func() time.Time { return now }); code != 0 {
		t.Fatalf("install: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "found the ECDSA P-256 key") || !strings.Contains(stdout.String(), "certificate expires 2027-12-01T09:00:00Z (in 365 days)") {
		t.Errorf("install output:\n%s", stdout.String())
	}
	if a, _ := os.ReadFile(good); !bytes.Equal(a, mustRead(t, installed)) {
		t.Error("installed certificate differs from the issued one")
	}

	// A certificate for another key is refused and nothing is replaced.
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bad := issue(&otherKey.PublicKey, 3)
	stderr.Reset()
	args = []string{"-tpm", "tcp:" + sw.Addr, "-no-qr", "-install", bad, "-cert-out", installed}
	if code := runKey(args, &stdout, &stderr, func() time.Time { return now }); code != 1 {
		t.Errorf("other key's certificate: exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "issued for another key") {
		t.Errorf("stderr: %s", stderr.String())
	}
	if a, _ := os.ReadFile(good); !bytes.Equal(a, mustRead(t, installed)) {
		t.Error("a refused certificate replaced the installed one")
	}
	// An expired one too.
	stderr.Reset()
	args = []string{"-tpm", "tcp:" + sw.Addr, "-no-qr", "-install", good, "-cert-out", filepath.Join(dir, "x.crt")}
	if code := runKey(args, &stdout, &stderr, func() time.Time { return now.AddDate(2, 0, 0) }); code != 1 {
		t.Errorf("expired certificate: exit %d, want 1", code)
	}
}

func TestKeyNoTPM(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runKey([]string{"-tpm", "/nonexistent/tpmrm0"}, &stdout, &stderr, time.Now); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "no TPM found") {
		t.Errorf("stderr: %s", stderr.String())
	}
	if code := runKey([]string{"-csr", "x.csr"}, &stdout, &stderr, time.Now); code != 2 {
		t.Errorf("-csr without -cn: exit %d, want 2", code)
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestKeySoft(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.pem")
	var stdout, stderr bytes.Buffer
	if code := runKey([]string{"-soft", path, "-no-qr"}, &stdout, &stderr, time.Now); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "WARNING: development soft key") {
		t.Errorf("no warning:\n%s", stdout.String())
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("key file not created: %v", err)
	}
	if code := runKey([]string{"-soft", filepath.Join(t.TempDir(), "absent.pem"), "-no-create"}, &stdout, &stderr, time.Now); code != 1 {
		t.Errorf("-no-create on an absent soft key: exit %d, want 1", code)
	}
}

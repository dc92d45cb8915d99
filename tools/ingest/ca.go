package ingest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CA issues the registry's server certificate and terminal client
// certificates. Its key and certificate live in the data directory
// (ca-key.pem, ca.pem).
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
	now  func() time.Time
}

// LoadOrCreateCA loads the CA of dir, creating it on first use.
func LoadOrCreateCA(dir string, now func() time.Time) (*CA, error) {
	if now == nil {
		now = time.Now
	}
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	if cb, err := os.ReadFile(certPath); err == nil {
		kb, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, fmt.Errorf("ingest: ca key: %w", err)
		}
		cert, err := parseCertPEM(cb)
		if err != nil {
			return nil, fmt.Errorf("ingest: ca: %w", err)
		}
		key, err := parseKeyPEM(kb)
		if err != nil {
			return nil, fmt.Errorf("ingest: ca key: %w", err)
		}
		return &CA{Cert: cert, key: key, now: now}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("ingest: ca: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	t := now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "regterm reference registry CA"},
		NotBefore:             t.Add(-time.Hour),
		NotAfter:              t.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("ingest: ca: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	if err := writeKeyPEM(keyPath, key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, fmt.Errorf("ingest: ca: %w", err)
	}
	return &CA{Cert: cert, key: key, now: now}, nil
}

// Pool is a cert pool holding the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// IssueTerminal issues a client certificate for terminal id and its public
// key (the hardware key's), valid for validity. It returns the DER chain
// (leaf, CA).
func (ca *CA) IssueTerminal(id string, pub crypto.PublicKey, validity time.Duration) ([][]byte, error) {
	if id == "" {
		return nil, errors.New("ingest: issue: empty terminal id")
	}
	t := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: id, Organization: []string{"regterm terminal"}},
		NotBefore:    t.Add(-time.Hour),
		NotAfter:     t.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("ingest: issue %s: %w", id, err)
	}
	return [][]byte{der, ca.Cert.Raw}, nil
}

// ServerCertificate returns the server certificate of dir (server.pem,
// server-key.pem) for loopback, issuing it when absent or expiring.
func (ca *CA) ServerCertificate(dir string, hosts ...string) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil {
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil &&
			leaf.NotAfter.After(ca.now().Add(24*time.Hour)) && leaf.CheckSignatureFrom(ca.Cert) == nil {
			return c, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	t := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "regterm reference registry"},
		NotBefore:    t.Add(-time.Hour),
		NotAfter:     t.AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("ingest: server certificate: %w", err)
	}
	if err := writeKeyPEM(keyPath, key); err != nil {
		return tls.Certificate{}, err
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})...)
	if err := os.WriteFile(certPath, chain, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("ingest: server certificate: %w", err)
	}
	return tls.LoadX509KeyPair(certPath, keyPath)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func writeKeyPEM(path string, k *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	return nil
}

func parseCertPEM(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE PEM block")
	}
	return x509.ParseCertificate(blk.Bytes)
}

func parseKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		if ek, err2 := x509.ParseECPrivateKey(blk.Bytes); err2 == nil {
			return ek, nil
		}
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ek, nil
}

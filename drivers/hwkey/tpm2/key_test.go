package tpm2

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	gotpm "github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/tpm2/swtpmtest"
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func signVerify(t *testing.T, k hwkey.Signer, msg string) []byte {
	t.Helper()
	d := sha256.Sum256([]byte(msg))
	sig, err := k.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !ecdsa.VerifyASN1(k.Public().(*ecdsa.PublicKey), d[:], sig) {
		t.Fatal("signature does not verify with crypto/ecdsa")
	}
	return sig
}

func TestCreatePersistRestart(t *testing.T) {
	sw := swtpmtest.New(t)
	ctx := ctxT(t)
	k, err := Open(ctx, "tcp:"+sw.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Created() {
		t.Error("first Open on a fresh TPM: Created() = false, want true")
	}
	if got, want := k.Handle(), uint32(DefaultHandle); got != want {
		t.Errorf("Handle: got 0x%x, want 0x%x", got, want)
	}
	want, err := hwkey.KeyID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyID() != want {
		t.Errorf("KeyID: got %x, want %x", k.KeyID(), want)
	}
	d := sha256.Sum256([]byte("before restart"))
	sig := signVerify(t, k, "before restart")
	if err := k.Health(ctx); err != nil {
		t.Errorf("Health: %v", err)
	}
	k.Close()

	if err := sw.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	k2, err := Open(ctx, "tcp:"+sw.Addr, &Opts{NoCreate: true, KeyID: want})
	if err != nil {
		t.Fatalf("Open after swtpm restart: %v", err)
	}
	defer k2.Close()
	if k2.Created() {
		t.Error("Open after restart created a new key")
	}
	if k2.KeyID() != want {
		t.Errorf("key id after restart: got %x, want %x", k2.KeyID(), want)
	}
	if !ecdsa.VerifyASN1(k2.Public().(*ecdsa.PublicKey), d[:], sig) {
		t.Error("signature made before the restart does not verify with the key after it")
	}
	signVerify(t, k2, "after restart")
}

func TestOpenErrors(t *testing.T) {
	sw := swtpmtest.New(t)
	ctx := ctxT(t)
	s, err := Dial(ctx, "tcp:"+sw.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	if _, err := New(ctx, s, &Opts{Handle: 0x81000002, NoCreate: true}); !errors.Is(err, ErrNoKey) {
		t.Errorf("NoCreate on an empty handle: got %v, want ErrNoKey", err)
	}
	if _, err := New(ctx, s, &Opts{Handle: 0x81800000}); !errors.Is(err, ErrHandle) {
		t.Errorf("platform-range handle: got %v, want ErrHandle", err)
	}

	// A storage key (the SRK) persisted where the signing key belongs.
	srk, err := gotpm.CreatePrimary{PrimaryHandle: gotpm.TPMRHOwner, InPublic: gotpm.New2B(gotpm.ECCSRKTemplate)}.Execute(s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = gotpm.EvictControl{Auth: gotpm.TPMRHOwner, ObjectHandle: &gotpm.NamedHandle{Handle: srk.ObjectHandle, Name: srk.Name}, PersistentHandle: 0x81000003}.Execute(s)
	if err != nil {
		t.Fatal(err)
	}
	gotpm.FlushContext{FlushHandle: srk.ObjectHandle}.Execute(s)
	if _, err := New(ctx, s, &Opts{Handle: 0x81000003}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("SRK at the handle: got %v, want ErrWrongKey", err)
	}

	// The right kind of key, but not the one the registry certified.
	k, err := New(ctx, s, &Opts{Handle: 0x81000004})
	if err != nil {
		t.Fatal(err)
	}
	other := k.KeyID()
	other[0] ^= 1
	if _, err := New(ctx, s, &Opts{Handle: 0x81000004, KeyID: other}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("pinned key id differs: got %v, want ErrWrongKey", err)
	}
	if err := k.Evict(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, s, &Opts{Handle: 0x81000004, NoCreate: true}); !errors.Is(err, ErrNoKey) {
		t.Errorf("after Evict: got %v, want ErrNoKey", err)
	}
	if err := k.Health(ctx); err == nil {
		t.Error("Health after Evict succeeded")
	}
}

func TestNoTPM(t *testing.T) {
	ctx := ctxT(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	for _, name := range []string{"tcp:127.0.0.1:" + strconv.Itoa(port), "/nonexistent/tpmrm0"} {
		if _, err := Open(ctx, name, nil); !errors.Is(err, ErrNoTPM) {
			t.Errorf("Open(%s): got %v, want ErrNoTPM", name, err)
		}
	}
}

// daParameters is TPM2_DictionaryAttackParameters (Part 3 §25.3), which
// go-tpm does not have, with an empty lockout password.
func daParameters(maxTries, recovery, lockoutRecovery uint32) []byte {
	b := []byte{0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x3A} // ST_SESSIONS, size, TPM_CC
	b = binary.BigEndian.AppendUint32(b, 0x4000000A)      // TPM_RH_LOCKOUT
	b = binary.BigEndian.AppendUint32(b, 9)               // authorizationSize
	b = binary.BigEndian.AppendUint32(b, 0x40000009)      // TPM_RS_PW
	b = append(b, 0, 0, 0, 0, 0)                          // nonce, attributes, hmac
	b = binary.BigEndian.AppendUint32(b, maxTries)
	b = binary.BigEndian.AppendUint32(b, recovery)
	b = binary.BigEndian.AppendUint32(b, lockoutRecovery)
	binary.BigEndian.PutUint32(b[2:], uint32(len(b)))
	return b
}

func TestLockout(t *testing.T) {
	sw := swtpmtest.New(t)
	ctx := ctxT(t)
	k, err := Open(ctx, "tcp:"+sw.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	rsp, err := k.t.Send(daParameters(1, 3600, 3600))
	if err != nil {
		t.Fatal(err)
	}
	if rc := binary.BigEndian.Uint32(rsp[6:]); rc != 0 {
		t.Fatalf("DictionaryAttackParameters: rc 0x%x", rc)
	}
	// One wrong password on the DA-protected key locks the TPM out.
	d := sha256.Sum256([]byte("x"))
	_, err = gotpm.Sign{
		KeyHandle:  gotpm.AuthHandle{Handle: k.handle, Name: k.name, Auth: gotpm.PasswordAuth([]byte("wrong"))},
		Digest:     gotpm.TPM2BDigest{Buffer: d[:]},
		Validation: gotpm.TPMTTKHashCheck{Tag: gotpm.TPMSTHashCheck, Hierarchy: gotpm.TPMRHNull},
	}.Execute(k.tpm(ctx)) // swtpm answers TPM_RC_RETRY here at times
	if !errors.Is(err, gotpm.TPMRCAuthFail) {
		t.Fatalf("Sign with a wrong password: got %v, want TPM_RC_AUTH_FAIL", err)
	}

	_, err = k.Sign(nil, d[:], crypto.SHA256)
	if !errors.Is(err, ErrLockout) || !errors.Is(err, gotpm.TPMRCLockout) {
		t.Fatalf("Sign in lockout: got %v, want ErrLockout wrapping TPM_RC_LOCKOUT", err)
	}
	if err := k.Health(ctx); !errors.Is(err, ErrLockout) {
		t.Errorf("Health in lockout: got %v, want ErrLockout", err)
	}
}

// flaky answers the first n commands with the warning rc, then forwards,
// counting the retry warnings the real TPM sends itself.
type flaky struct {
	t     transport.TPM
	rc    uint32
	n     int32
	calls atomic.Int32
	real  int
}

func (f *flaky) Send(cmd []byte) ([]byte, error) {
	if f.calls.Add(1) <= f.n {
		b := []byte{0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[6:], f.rc)
		return b, nil
	}
	rsp, err := f.t.Send(cmd)
	if err == nil && len(rsp) >= 10 {
		switch binary.BigEndian.Uint32(rsp[6:]) {
		case rcRetry, rcTesting, rcYielded:
			f.real++
		}
	}
	return rsp, err
}

func TestRetry(t *testing.T) {
	sw := swtpmtest.New(t)
	ctx := ctxT(t)
	s, err := Dial(ctx, "tcp:"+sw.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k0, err := New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		rc      uint32
		n       int32
		retries int
		wantErr error
	}{
		{"retry", rcRetry, 3, 4, nil},
		{"testing", rcTesting, 2, 4, nil},
		{"yielded", rcYielded, 1, 4, nil},
		{"budget exhausted", rcRetry, 100, 4, ErrBusy},
		{"lockout is not retried", 0x921, 1, 4, ErrLockout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &flaky{t: s, rc: tc.rc}
			var sleeps []time.Duration
			k, err := New(ctx, f, &Opts{Retries: tc.retries, RetryDelay: 10 * time.Millisecond,
				Sleep: func(ctx context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			f.n = tc.n + f.calls.Load()
			d := sha256.Sum256([]byte(tc.name))
			_, err = k.Sign(nil, d[:], crypto.SHA256)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Sign: got %v, want %v", err, tc.wantErr)
			}
			wantSleeps := int(tc.n) + f.real
			if tc.wantErr == ErrBusy {
				wantSleeps = tc.retries
			} else if tc.wantErr != nil {
				wantSleeps = 0
			}
			if len(sleeps) != wantSleeps {
				t.Errorf("sleeps: got %d, want %d", len(sleeps), wantSleeps)
			}
			for i := 1; i < len(sleeps); i++ {
				if sleeps[i] != 2*sleeps[i-1] {
					t.Errorf("backoff: %v", sleeps)
					break
				}
			}
			if k.KeyID() != k0.KeyID() {
				t.Error("different key")
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	sw := swtpmtest.New(t)
	ctx := ctxT(t)
	k, err := Open(ctx, "tcp:"+sw.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Sign(nil, []byte("short"), crypto.SHA256); !errors.Is(err, ErrDigest) {
		t.Errorf("short digest: got %v, want ErrDigest", err)
	}
	k.Close()
	d := sha256.Sum256(nil)
	if _, err := k.Sign(nil, d[:], crypto.SHA256); err == nil {
		t.Error("Sign after Close succeeded")
	}
}

func BenchmarkSignSwtpm(b *testing.B) {
	sw := swtpmtest.New(b)
	k, err := Open(ctxT(b), "tcp:"+sw.Addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	d := sha256.Sum256([]byte("bench"))
	b.ResetTimer()
	for b.Loop() {
		if _, err := k.Sign(nil, d[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
}

func TestConcurrentSign(t *testing.T) {
	sw := swtpmtest.New(t)
	k, err := Open(ctxT(t), "tcp:"+sw.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 5; i++ {
				d := sha256.Sum256([]byte{byte(g), byte(i)})
				sig, err := k.Sign(nil, d[:], crypto.SHA256)
				if err == nil && !ecdsa.VerifyASN1(k.Public().(*ecdsa.PublicKey), d[:], sig) {
					err = errors.New("bad signature")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

package record

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"flag"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/regterm/regterm/internal/testpeer"
)

var update = flag.Bool("update", false, "rewrite the golden vectors in testdata/")

type golden struct {
	file string
	want func() *Record
	seq  uint64
}

var goldens = []golden{
	{"match.cose", matchRecord, 1},
	{"exception.cose", exceptionRecord, 2},
}

// TestGoldenUpdate rewrites testdata with -update.
func TestGoldenUpdate(t *testing.T) {
	if !*update {
		t.Skip("without -update")
	}
	k := goldenKey(t)
	var prev [32]byte
	for _, g := range goldens {
		b, err := g.want().Seal(k, 7, g.seq, prev)
		if err != nil {
			t.Fatal(err)
		}
		prev = Hash(b)
		if err := os.WriteFile(filepath.Join("testdata", g.file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join("testdata", "future.cose"), futureRecord(t, k, 3, prev), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, _, err := NewToken(k, bytes.Repeat([]byte{0x5E}, 16), "BKK-0042", time.Unix(1764576300, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "token.txt"), []byte(tok), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGolden(t *testing.T) {
	k := goldenKey(t)
	var prev [32]byte
	for _, g := range goldens {
		t.Run(g.file, func(t *testing.T) {
			b := readGolden(t, g.file)
			got, err := Verify(b, k.Public())
			if err != nil {
				t.Fatal(err)
			}
			kid := k.KeyID()
			want := g.want()
			want.Version, want.Seq, want.KeyID = 1, g.seq, kid[:]
			want.ID = ID{Terminal: want.TerminalID, Epoch: 7, Seq: g.seq}
			want.Prev = prev[:]
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n got %+v\nwant %+v", got, want)
			}
			// The payload is core deterministic CBOR: encoding the decoded
			// record gives the signed bytes back.
			m, _, _ := Decode(b)
			again, err := encMode.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, m.Payload) {
				t.Errorf("re-encoded payload differs:\n got %x\nwant %x", again, m.Payload)
			}
			prev = Hash(b)
		})
	}
}

// TestGoldenFuture: a newer firmware's record (version 2, unknown keys)
// verifies, decodes the known fields and is reported.
func TestGoldenFuture(t *testing.T) {
	k := goldenKey(t)
	b := readGolden(t, "future.cose")
	r, err := Verify(b, k.Public())
	if !errors.Is(err, ErrUnknownVersion) {
		t.Fatalf("got %v, want ErrUnknownVersion", err)
	}
	if r == nil || r.Version != 2 || r.ID.Seq != 3 || r.Match == nil || r.Match.Algorithm != "regterm-mcc/2" || r.TimeSource != TimeRegistry {
		t.Fatalf("known fields: got %+v", r)
	}
	if got, want := r.Unknown, []int64{21, 99}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unknown: got %v, want %v", got, want)
	}
}

// splitSign1 takes a COSE_Sign1_Tagged apart by hand (RFC 9052 §4.2), for
// the cross-check that does not trust go-cose.
func splitSign1(t *testing.T, b []byte) (protected, payload, sig []byte) {
	t.Helper()
	if len(b) < 2 || b[0] != 0xD2 || b[1] != 0x84 {
		t.Fatalf("not tag 18 + array(4): % x", b[:2])
	}
	p := b[2:]
	bstr := func() []byte {
		if len(p) == 0 || p[0]>>5 != 2 {
			t.Fatalf("want a byte string at % x", p[:min(4, len(p))])
		}
		n, hdr := int(p[0]&31), 1
		switch {
		case n == 24:
			n, hdr = int(p[1]), 2
		case n == 25:
			n, hdr = int(p[1])<<8|int(p[2]), 3
		case n > 25:
			t.Fatalf("length form %d", n)
		}
		v := p[hdr : hdr+n]
		p = p[hdr+n:]
		return v
	}
	protected = bstr()
	if p[0] != 0xA0 {
		t.Fatalf("unprotected header is not an empty map: %x", p[0])
	}
	p = p[1:]
	payload = bstr()
	sig = bstr()
	if len(p) != 0 {
		t.Fatalf("%d trailing bytes", len(p))
	}
	return
}

func bstrHdr(n int) []byte {
	switch {
	case n < 24:
		return []byte{0x40 | byte(n)}
	case n < 256:
		return []byte{0x58, byte(n)}
	}
	return []byte{0x59, byte(n >> 8), byte(n)}
}

// TestGoldenOpenSSL assembles the Sig_structure by hand and lets openssl
// verify the signature of the golden match record.
func TestGoldenOpenSSL(t *testing.T) {
	openssl := testpeer.Command(t, "openssl")
	b := readGolden(t, "match.cose")
	protected, payload, sig := splitSign1(t, b)
	if got, want := protected, []byte{0xA2, 0x01, 0x26, 0x04, 0x58, 0x20}; !bytes.HasPrefix(got, want) {
		t.Fatalf("protected header % x, want prefix % x ({1: -7, 4: h'32 bytes'})", got, want)
	}
	// Sig_structure = ["Signature1", protected, external_aad = h'', payload]
	tbs := []byte{0x84, 0x6A}
	tbs = append(tbs, "Signature1"...)
	tbs = append(append(tbs, bstrHdr(len(protected))...), protected...)
	tbs = append(tbs, 0x40)
	tbs = append(append(tbs, bstrHdr(len(payload))...), payload...)
	if len(sig) != 64 {
		t.Fatalf("signature of %d bytes, want r||s of 64", len(sig))
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sigPath := write("sig.der", der)
	pub := filepath.Join("testdata", "pub.pem")
	run := func(data []byte) ([]byte, error) {
		return exec.Command(openssl, "dgst", "-sha256", "-verify", pub, "-signature", sigPath, write("tbs.bin", data)).CombinedOutput()
	}
	if out, err := run(tbs); err != nil || !bytes.Contains(out, []byte("Verified OK")) {
		t.Fatalf("openssl: %v: %s", err, out)
	}
	bad := bytes.Clone(tbs)
	bad[len(bad)-1] ^= 1
	if out, err := run(bad); err == nil {
		t.Fatalf("openssl verified a tampered Sig_structure: %s", out)
	}
	// And pub.pem is the key the record names.
	blk, _ := pem.Decode(readGolden(t, "pub.pem"))
	kid := sha256.Sum256(blk.Bytes)
	_, r, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.KeyID, kid[:]) {
		t.Errorf("record key id %x, SHA-256 of pub.pem's SPKI %x", r.KeyID, kid)
	}
}

func TestTamperEveryByte(t *testing.T) {
	k := goldenKey(t)
	for _, name := range []string{"match.cose", "exception.cose"} {
		b := readGolden(t, name)
		for i := range b {
			for _, x := range []byte{0x01, 0x80} {
				c := bytes.Clone(b)
				c[i] ^= x
				if _, err := Verify(c, k.Public()); err == nil {
					t.Fatalf("%s: flipping bit 0x%02x of byte %d still verifies", name, x, i)
				} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrSignature) {
					t.Fatalf("%s byte %d: error %v is neither ErrMalformed nor ErrSignature", name, i, err)
				}
			}
		}
		if _, err := Verify(b[:len(b)-1], k.Public()); !errors.Is(err, ErrMalformed) {
			t.Errorf("truncated: got %v, want ErrMalformed", err)
		}
		if _, err := Verify(append(bytes.Clone(b), 0), k.Public()); !errors.Is(err, ErrMalformed) {
			t.Errorf("trailing byte: got %v, want ErrMalformed", err)
		}
	}
}

func TestVerifyWrongKey(t *testing.T) {
	b := readGolden(t, "match.cose")
	other := newKey(t)
	if _, err := Verify(b, other.Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("other key: got %v, want ErrSignature", err)
	}
	// A record that names the verifying key but was signed by another.
	k := goldenKey(t)
	_, r, _ := Decode(b)
	kid := k.KeyID()
	forged := sealRawRecord(t, other, r, kid[:])
	if _, err := Verify(forged, k.Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("forged key id: got %v, want ErrSignature", err)
	}
}

func sealRawRecord(t *testing.T, s crypto.Signer, r *Record, kid []byte) []byte {
	t.Helper()
	p, err := encMode.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign1(nil, signerWithID{s, [32]byte(kid)}, kid, p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signerWithID is a signer that claims another key's id.
type signerWithID struct {
	crypto.Signer
	id [32]byte
}

func (s signerWithID) KeyID() [32]byte                  { return s.id }
func (s signerWithID) Health(ctx context.Context) error { return nil }
func (s signerWithID) String() string                   { return "forger" }
func (s signerWithID) Close() error                     { return nil }

func TestSealInvalid(t *testing.T) {
	k := newKey(t)
	for _, tc := range []struct {
		name string
		mod  func(*Record)
		seq  uint64
		prev [32]byte
	}{
		{"no terminal", func(r *Record) { r.TerminalID = "" }, 1, [32]byte{}},
		{"match without match", func(r *Record) { r.Match = nil }, 1, [32]byte{}},
		{"match with exception", func(r *Record) { r.Exception = &Exception{} }, 1, [32]byte{}},
		{"unknown kind", func(r *Record) { r.Kind = 9 }, 1, [32]byte{}},
		{"no time source", func(r *Record) { r.TimeSource = "" }, 1, [32]byte{}},
		{"unknown time source", func(r *Record) { r.TimeSource = "gps" }, 1, [32]byte{}},
		{"no time", func(r *Record) { r.TimeUnixMilli = 0 }, 1, [32]byte{}},
		{"short card hash", func(r *Record) { r.CardHash = []byte{1} }, 1, [32]byte{}},
		{"short token hash", func(r *Record) { r.TokenHash = []byte{1} }, 1, [32]byte{}},
		{"seq 0", func(*Record) {}, 0, [32]byte{}},
		{"first with prev", func(*Record) {}, 1, [32]byte{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := matchRecord()
			tc.mod(r)
			before := *r
			if _, err := r.Seal(k, 1, tc.seq, tc.prev); !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			if !reflect.DeepEqual(*r, before) {
				t.Error("a refused Seal changed the record")
			}
		})
	}
}

func TestSealDecode(t *testing.T) {
	k := newKey(t)
	r := exceptionRecord()
	r.SetTime(time.Date(2026, 12, 1, 8, 0, 0, 5e6, time.UTC), TimeRegistry, 90*time.Second)
	b, err := r.Seal(k, 3, 1, [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(b, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := got.Time(), time.Date(2026, 12, 1, 8, 0, 0, 5e6, time.UTC); !got.Equal(want) {
		t.Errorf("Time: got %v, want %v", got, want)
	}
	if got.BootMilli != 90000 || got.TimeSource != TimeRegistry || got.Exception.Reason != "no-finger" {
		t.Errorf("decoded %+v", got)
	}
	if got, err := KeyIDOf(b); err != nil || got != k.KeyID() {
		t.Errorf("KeyIDOf: got %x, %v; want %x", got, err, k.KeyID())
	}
}

func TestDecodeRejects(t *testing.T) {
	k := newKey(t)
	kid := k.KeyID()
	base := func() map[int]any {
		return map[int]any{1: 1, 2: 1, 3: map[int]any{1: "T", 2: 1, 3: 1}, 4: 1, 5: make([]byte, 32), 7: "T", 8: kid[:]}
	}
	for _, tc := range []struct {
		name string
		mod  func(map[int]any)
	}{
		{"no version", func(m map[int]any) { delete(m, 1) }},
		{"seq differs from id", func(m map[int]any) { m[4] = 2 }},
		{"terminal differs from id", func(m map[int]any) { m[7] = "U" }},
		{"short prev", func(m map[int]any) { m[5] = []byte{0} }},
		{"key id differs from header", func(m map[int]any) { m[8] = make([]byte, 32) }},
		{"wrong type", func(m map[int]any) { m[4] = "one" }},
		{"seq 0", func(m map[int]any) { m[4] = 0; m[3] = map[int]any{1: "T", 2: 1, 3: 0} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.mod(m)
			if _, _, err := Decode(sealRaw(t, k, m)); !errors.Is(err, ErrMalformed) {
				t.Errorf("got %v, want ErrMalformed", err)
			}
		})
	}
	if _, _, err := Decode(sealRaw(t, k, base())); err != nil {
		t.Errorf("the base record: %v", err)
	}
	if _, _, err := Decode(make([]byte, maxRecord+1)); !errors.Is(err, ErrMalformed) {
		t.Errorf("oversized: got %v, want ErrMalformed", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, n := range []string{"match.cose", "exception.cose", "future.cose"} {
		f.Add(readGolden(f, n))
	}
	f.Add([]byte{0xD2, 0x84, 0x40, 0xA0, 0x40, 0x40})
	pub := goldenKey(f).Public()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, r, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if m == nil || r == nil || len(r.Prev) != 32 || len(r.KeyID) != 32 || r.Seq != r.ID.Seq {
			t.Fatalf("Decode accepted an inconsistent record %+v", r)
		}
		if _, err := Verify(b, pub); err != nil && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrUnknownVersion) {
			t.Fatalf("Verify of a decodable record: %v", err)
		}
	})
}

func BenchmarkSealSoft(b *testing.B) {
	k := newKey(b)
	r := matchRecord()
	var prev [32]byte
	for i := 0; b.Loop(); i++ {
		out, err := r.Seal(k, 1, uint64(i+1), prev)
		if err != nil {
			b.Fatal(err)
		}
		prev = Hash(out)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
}

func BenchmarkVerify(b *testing.B) {
	k := goldenKey(b)
	rec := readGolden(b, "match.cose")
	for b.Loop() {
		if _, err := Verify(rec, k.Public()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verify/s")
}

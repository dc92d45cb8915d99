package record

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBase45(t *testing.T) {
	// RFC 9285 §4.1 and §4.2 examples.
	for _, tc := range []struct{ in, out string }{
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
		{"", ""},
		{"\x00", "00"},
		{"\xff\xff", "FGW"},
	} {
		if got := base45Encode([]byte(tc.in)); got != tc.out {
			t.Errorf("encode %q: got %q, want %q", tc.in, got, tc.out)
		}
		got, err := base45Decode(tc.out)
		if err != nil || string(got) != tc.in {
			t.Errorf("decode %q: got %q, %v; want %q", tc.out, got, err, tc.in)
		}
	}
	for _, bad := range []string{"GGW", "ZZZ", "A", "ABCD", "ab", "BB8!", "BB8 A"} {
		if _, err := base45Decode(bad); !errors.Is(err, errBase45) {
			t.Errorf("decode %q: got %v, want errBase45", bad, err)
		}
	}
}

func FuzzBase45(f *testing.F) {
	f.Add([]byte("Hello!!"))
	f.Add([]byte{0xff, 0xff, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := base45Encode(b)
		got, err := base45Decode(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of % x: % x, %v", b, got, err)
		}
		// Decoding arbitrary text never panics and round-trips when valid.
		if d, err := base45Decode(string(b)); err == nil && base45Encode(d) != string(b) {
			t.Fatalf("%q decodes but does not re-encode to itself", b)
		}
	})
}

func TestToken(t *testing.T) {
	k := newKey(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	sid := []byte("0123456789abcdef")
	tok, hash, err := NewToken(k, sid, "BKK-0042", now.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, TokenPrefix) {
		t.Fatalf("token %q lacks the prefix", tok)
	}
	if hash != TokenHash(tok) {
		t.Error("returned hash is not TokenHash(token)")
	}
	if strings.Trim(tok, base45Alphabet) != "" {
		t.Errorf("token has characters outside the QR alphanumeric set: %q", tok)
	}
	if len(tok) > 200 {
		t.Errorf("token of %d characters, want at most 200 (QR size)", len(tok))
	}
	c, err := VerifyToken(tok, k.Public(), now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.SessionID, sid) || c.TerminalID != "BKK-0042" || !c.Expiry.Equal(now.Add(5*time.Minute)) || len(c.Nonce) != 8 {
		t.Errorf("claims %+v", c)
	}
	tok2, _, _ := NewToken(k, sid, "BKK-0042", now.Add(5*time.Minute))
	if tok2 == tok {
		t.Error("two tokens for the same session are identical (no nonce?)")
	}

	if _, err := VerifyToken(tok, k.Public(), now.Add(5*time.Minute)); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("at expiry: got %v, want ErrTokenExpired", err)
	}
	if _, err := VerifyToken(tok, newKey(t).Public(), now); !errors.Is(err, ErrSignature) {
		t.Errorf("other key: got %v, want ErrSignature", err)
	}
	if _, err := VerifyToken("RT2:"+tok[4:], k.Public(), now); !errors.Is(err, ErrTokenPrefix) {
		t.Errorf("other prefix: got %v, want ErrTokenPrefix", err)
	}
	// Changing any character breaks it.
	for i := len(TokenPrefix); i < len(tok); i++ {
		for _, ch := range []byte{'0', 'Z'} {
			if tok[i] == ch {
				continue
			}
			bad := tok[:i] + string(ch) + tok[i+1:]
			_, err := VerifyToken(bad, k.Public(), now)
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrSignature) {
				t.Fatalf("character %d -> %c: got %v, want ErrMalformed or ErrSignature", i, ch, err)
			}
		}
	}
	if _, _, err := NewToken(k, nil, "BKK-0042", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("no session id: got %v, want ErrInvalid", err)
	}
}

func TestGoldenToken(t *testing.T) {
	k := goldenKey(t)
	tok := strings.TrimSpace(string(readGolden(t, "token.txt")))
	c, err := VerifyToken(tok, k.Public(), time.Unix(1764576000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.SessionID, bytes.Repeat([]byte{0x5E}, 16)) || c.TerminalID != "BKK-0042" || c.Expiry.Unix() != 1764576300 {
		t.Errorf("claims %+v", c)
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(strings.TrimSpace(string(readGolden(f, "token.txt"))))
	f.Add("RT1:")
	f.Add("RT1:BB8")
	f.Fuzz(func(t *testing.T, s string) {
		c, _, err := ParseToken(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTokenPrefix) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(c.SessionID) == 0 || c.TerminalID == "" || len(c.Nonce) != 8 {
			t.Fatalf("accepted incomplete claims %+v", c)
		}
	})
}

func BenchmarkNewToken(b *testing.B) {
	k := newKey(b)
	exp := time.Now().Add(time.Minute)
	for b.Loop() {
		if _, _, err := NewToken(k, []byte("0123456789abcdef"), "BKK-0042", exp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
}

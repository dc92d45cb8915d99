package record

import (
	"errors"
	"fmt"
	"strings"
)

// Base45 (RFC 9285): two bytes become three characters of the QR
// alphanumeric set, so a QR code in alphanumeric mode carries them at 5.5
// bits a character.

const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var base45Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = int8(i)
	}
	return t
}()

// errBase45 means the text is not valid base45.
var errBase45 = errors.New("invalid base45")

// base45Encode encodes b (RFC 9285 §4).
func base45Encode(b []byte) string {
	var s strings.Builder
	s.Grow((len(b)/2)*3 + 2)
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])<<8 | int(b[i+1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45%45])
		s.WriteByte(base45Alphabet[n/(45*45)])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45])
	}
	return s.String()
}

// base45Decode decodes s, rejecting characters outside the alphabet, a
// dangling single character and groups whose value does not fit (RFC 9285
// §4.2: "ZZZ" is 88 560, more than 65 535).
func base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fmt.Errorf("%w: length %d", errBase45, len(s))
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		g := s[i:min(i+3, len(s))]
		n := 0
		for j := len(g) - 1; j >= 0; j-- {
			v := base45Index[g[j]]
			if v < 0 {
				return nil, fmt.Errorf("%w: character %q at %d", errBase45, g[j], i+j)
			}
			n = n*45 + int(v)
		}
		if len(g) == 3 {
			if n > 0xFFFF {
				return nil, fmt.Errorf("%w: group %q at %d", errBase45, g, i)
			}
			out = append(out, byte(n>>8), byte(n))
		} else {
			if n > 0xFF {
				return nil, fmt.Errorf("%w: group %q at %d", errBase45, g, i)
			}
			out = append(out, byte(n))
		}
	}
	return out, nil
}

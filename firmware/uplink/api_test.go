package uplink

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestBatchRoundTrip(t *testing.T) {
	in := [][]byte{{1, 2, 3}, bytes.Repeat([]byte{7}, 300)}
	b, err := EncodeBatch(in)
	if err != nil {
		t.Fatal(err)
	}
	// CBOR: array(2), bstr(3) 01 02 03, bstr(300) ...
	if got, want := b[:5], []byte{0x82, 0x43, 1, 2, 3}; !bytes.Equal(got, want) {
		t.Fatalf("encoding: got % x, want % x", got, want)
	}
	out, err := DecodeBatch(b)
	if err != nil || len(out) != 2 || !bytes.Equal(out[1], in[1]) {
		t.Fatalf("got %v %v", out, err)
	}
	bad := [][]byte{
		{},                       // empty
		{0x80},                   // empty array
		{0x81, 0x40},             // empty record
		{0x81, 0x63, 'a'},        // truncated text
		{0xa1, 0x01, 0x02},       // a map
		{0x9f, 0x41, 0x01, 0xff}, // indefinite length
	}
	for _, b := range bad {
		if _, err := DecodeBatch(b); !errors.Is(err, ErrBatch) {
			t.Errorf("DecodeBatch(% x): got %v, want ErrBatch", b, err)
		}
	}
	if _, err := EncodeBatch(nil); !errors.Is(err, ErrBatch) {
		t.Fatalf("empty batch: got %v", err)
	}
}

func FuzzDecodeBatch(f *testing.F) {
	b, _ := EncodeBatch([][]byte{{1}, {2, 3}})
	f.Add(b)
	f.Add([]byte{0x81, 0x40})
	f.Add([]byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := DecodeBatch(b)
		if err != nil {
			if !errors.Is(err, ErrBatch) {
				t.Fatalf("error %v does not wrap ErrBatch", err)
			}
			return
		}
		if len(recs) == 0 || len(recs) > MaxBatch {
			t.Fatalf("accepted %d records", len(recs))
		}
		for _, r := range recs {
			if len(r) == 0 || len(r) > MaxRecordBytes {
				t.Fatalf("accepted a record of %d bytes", len(r))
			}
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"-3", 0},
		{"Tue, 01 Dec 2026 09:00:30 GMT", 30 * time.Second},
		{"Tue, 01 Dec 2026 08:00:00 GMT", 0},
		{"soon", 0},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := parseRetryAfter(tc.in, now); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

package zfm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Byte vectors from the R30x / R503 / ZFM user manuals (command examples
// and confirmation packets). They are written out by hand so that the
// driver and the simulator, which share this encoder, cannot agree on a
// wrong encoding.
var commandVectors = []struct {
	name   string
	ins    byte
	params []byte
	want   string
}{
	{"GenImg", InsGenImg, nil, "EF01 FFFFFFFF 01 0003 01 0005"},
	{"Img2Tz buffer 1", InsImg2Tz, []byte{1}, "EF01 FFFFFFFF 01 0004 02 01 0008"},
	{"Match", InsMatch, nil, "EF01 FFFFFFFF 01 0003 03 0007"},
	{"Search buffer 1 pages 0..0xA3", InsSearch, []byte{1, 0, 0, 0, 0xA3}, "EF01 FFFFFFFF 01 0008 04 01 0000 00A3 00B1"},
	{"RegModel", InsRegModel, nil, "EF01 FFFFFFFF 01 0003 05 0009"},
	{"Store buffer 1 page 0", InsStore, []byte{1, 0, 0}, "EF01 FFFFFFFF 01 0006 06 01 0000 000E"},
	{"LoadChar buffer 1 page 0", InsLoadChar, []byte{1, 0, 0}, "EF01 FFFFFFFF 01 0006 07 01 0000 000F"},
	{"UpChar buffer 1", InsUpChar, []byte{1}, "EF01 FFFFFFFF 01 0004 08 01 000E"},
	{"DownChar buffer 1", InsDownChar, []byte{1}, "EF01 FFFFFFFF 01 0004 09 01 000F"},
	{"UpImage", InsUpImage, nil, "EF01 FFFFFFFF 01 0003 0A 000E"},
	{"DownImage", InsDownImage, nil, "EF01 FFFFFFFF 01 0003 0B 000F"},
	{"DeletChar page 0 count 1", InsDeletChar, []byte{0, 0, 0, 1}, "EF01 FFFFFFFF 01 0007 0C 0000 0001 0015"},
	{"Empty", InsEmpty, nil, "EF01 FFFFFFFF 01 0003 0D 0011"},
	{"SetSysPara packet size 256", InsSetSysPara, []byte{6, 3}, "EF01 FFFFFFFF 01 0005 0E 06 03 001D"},
	{"SetSysPara baud 115200", InsSetSysPara, []byte{4, 12}, "EF01 FFFFFFFF 01 0005 0E 04 0C 0024"},
	{"ReadSysPara", InsReadSysPara, nil, "EF01 FFFFFFFF 01 0003 0F 0013"},
	{"VfyPwd 0", InsVfyPwd, []byte{0, 0, 0, 0}, "EF01 FFFFFFFF 01 0007 13 00000000 001B"},
	{"GetRandomCode", InsGetRandomCode, nil, "EF01 FFFFFFFF 01 0003 14 0018"},
	{"TempleteNum", InsTempleteNum, nil, "EF01 FFFFFFFF 01 0003 1D 0021"},
	{"ReadIndexTable page 0", InsReadIndexTable, []byte{0}, "EF01 FFFFFFFF 01 0004 1F 00 0024"},
	{"AuraLedConfig breathing blue", InsAuraLedConfig, []byte{1, 0x80, 2, 0}, "EF01 FFFFFFFF 01 0007 35 01 80 02 00 00C0"},
	{"CheckSensor", InsCheckSensor, nil, "EF01 FFFFFFFF 01 0003 36 003A"},
	{"ReadProdInfo", InsReadProdInfo, nil, "EF01 FFFFFFFF 01 0003 3C 0040"},
	{"SoftRst", InsSoftRst, nil, "EF01 FFFFFFFF 01 0003 3D 0041"},
	{"HandShake", InsHandShake, nil, "EF01 FFFFFFFF 01 0003 40 0044"},
}

func TestCommandVectors(t *testing.T) {
	for _, tc := range commandVectors {
		t.Run(tc.name, func(t *testing.T) {
			got := Command(DefaultAddress, tc.ins, tc.params...)
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("got % X, want % X", got, want)
			}
		})
	}
}

func TestCommandOtherAddress(t *testing.T) {
	got := Command(0x12345678, InsGenImg)
	want := unhex(t, "EF01 12345678 01 0003 01 0005")
	if !bytes.Equal(got, want) {
		t.Errorf("got % X, want % X", got, want)
	}
}

// Acknowledge packets as the manuals print them.
var ackVectors = []struct {
	name    string
	in      string
	payload []byte
}{
	{"ok", "EF01 FFFFFFFF 07 0003 00 000A", []byte{0}},
	{"no finger", "EF01 FFFFFFFF 07 0003 02 000C", []byte{2}},
	{"template count 5", "EF01 FFFFFFFF 07 0005 00 0005 0011", []byte{0, 0, 5}},
	{"search hit page 1 score 0x64", "EF01 FFFFFFFF 07 0007 00 0001 0064 0073", []byte{0, 0, 1, 0, 0x64}},
}

func TestParseAckVectors(t *testing.T) {
	for _, tc := range ackVectors {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			p.Feed(unhex(t, tc.in))
			got, err := p.Next()
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if got.PID != PIDAck || got.Addr != DefaultAddress || !bytes.Equal(got.Payload, tc.payload) {
				t.Errorf("got %v payload % X, want ack payload % X", got, got.Payload, tc.payload)
			}
			if _, err := p.Next(); !errors.Is(err, ErrIncomplete) {
				t.Errorf("second Next: got %v, want ErrIncomplete", err)
			}
		})
	}
}

func collect(p *Parser) (pkts []Packet, errs []error) {
	for {
		pkt, err := p.Next()
		if errors.Is(err, ErrIncomplete) {
			return
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pkts = append(pkts, pkt)
	}
}

func TestParserResync(t *testing.T) {
	ok := AppendPacket(nil, DefaultAddress, PIDAck, []byte{0})
	big := AppendPacket(nil, DefaultAddress, PIDEndData, bytes.Repeat([]byte{0xAB}, MaxPayload))
	bad := append([]byte(nil), ok...)
	bad[len(bad)-1] ^= 0xFF
	tooLong := unhex(t, "EF01 FFFFFFFF 02 0103")
	cases := []struct {
		name      string
		in        []byte
		pkts      int
		wantErrs  []error
		wantSkips int
	}{
		{"power-up byte then ack", cat([]byte{0x55}, ok), 1, nil, 1},
		{"stray zero then ack", cat([]byte{0x00}, ok), 1, nil, 1},
		{"garbage with EF then ack", cat([]byte{0xEF, 0x55, 0xEF, 0xEF}, ok), 1, nil, 4},
		{"LEN 258 accepted", big, 1, nil, 0},
		{"bad checksum then good", cat(bad, ok), 1, []error{ErrChecksum}, -1},
		{"LEN 259 rejected then good", cat(tooLong, ok), 1, []error{ErrFrame}, -1},
		{"unknown PID then good", cat(unhex(t, "EF01 FFFFFFFF 05 0003 00 0008"), ok), 1, []error{ErrFrame}, -1},
		{"LEN 1 rejected", cat(unhex(t, "EF01 FFFFFFFF 07 0001 00"), ok), 1, []error{ErrFrame}, -1},
		{"truncated frame: the next header is its impossible length", cat(ok[:7], ok, ok), 2, []error{ErrFrame}, -1},
		{"truncated frame: the next frame is found inside it", cat(ok[:9], ok, ok), 2, []error{ErrChecksum}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{len(tc.in), 1, 7} {
				var p Parser
				var pkts []Packet
				var errs []error
				for i := 0; i < len(tc.in); i += chunk {
					p.Feed(tc.in[i:min(i+chunk, len(tc.in))])
					a, b := collect(&p)
					pkts, errs = append(pkts, a...), append(errs, b...)
				}
				if len(pkts) != tc.pkts {
					t.Errorf("chunk %d: got %d packets, want %d", chunk, len(pkts), tc.pkts)
				}
				if len(errs) != len(tc.wantErrs) {
					t.Fatalf("chunk %d: got errors %v, want %v", chunk, errs, tc.wantErrs)
				}
				for i := range errs {
					if !errors.Is(errs[i], tc.wantErrs[i]) {
						t.Errorf("chunk %d: error %d: got %v, want %v", chunk, i, errs[i], tc.wantErrs[i])
					}
				}
				if tc.wantSkips >= 0 && p.Skipped != tc.wantSkips {
					t.Errorf("chunk %d: skipped %d, want %d", chunk, p.Skipped, tc.wantSkips)
				}
			}
		})
	}
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// FuzzParser feeds arbitrary bytes, whole and in pieces: it must never
// panic, must find the same packets either way, and every packet it returns
// must re-encode to bytes present in the input.
func FuzzParser(f *testing.F) {
	f.Add(Command(DefaultAddress, InsGenImg), 3)
	f.Add(cat([]byte{0x55, 0x00}, AppendPacket(nil, DefaultAddress, PIDAck, []byte{0})), 1)
	f.Add(AppendPacket(nil, 1, PIDEndData, bytes.Repeat([]byte{0x11}, 256)), 17)
	f.Add([]byte{0xEF, 0x01, 0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x01, 0x02}, 2)
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk <= 0 || chunk > len(in) {
			chunk = len(in) + 1
		}
		var whole Parser
		whole.Feed(in)
		a, _ := collect(&whole)
		var split Parser
		var b []Packet
		for i := 0; i < len(in); i += chunk {
			split.Feed(in[i:min(i+chunk, len(in))])
			got, _ := collect(&split)
			b = append(b, got...)
		}
		if len(a) != len(b) {
			t.Fatalf("whole: %d packets, split: %d", len(a), len(b))
		}
		for i := range a {
			enc := AppendPacket(nil, a[i].Addr, a[i].PID, a[i].Payload)
			if !bytes.Equal(enc, AppendPacket(nil, b[i].Addr, b[i].PID, b[i].Payload)) {
				t.Fatalf("packet %d differs between whole and split parsing", i)
			}
			if !bytes.Contains(in, enc) {
				t.Fatalf("packet %d (% X) not in the input", i, enc)
			}
		}
	})
}

package thaiid

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/regterm/regterm/drivers/smartcard"
)

func tis(t testing.TB, s string, n int) []byte {
	t.Helper()
	b, err := charmap.Windows874.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if n > len(b) {
		b = append(b, bytes.Repeat([]byte{' '}, n-len(b))...)
	}
	return b
}

func TestValidCitizenID(t *testing.T) {
	for id, want := range map[string]bool{
		"1234567890121": true,
		"1101700123456": true,
		"3100500456783": true,
		"1234567890122": false,
		"123456789012":  false,
		"12345678901a1": false,
		"":              false,
	} {
		if got := ValidCitizenID(id); got != want {
			t.Errorf("ValidCitizenID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in   string
		want smartcard.Name
	}{
		{"นางสาว#ปิ่นมณี##ภู่ระหงษ์", smartcard.Name{Prefix: "นางสาว", First: "ปิ่นมณี", Last: "ภู่ระหงษ์"}},
		{"นาย#ศักดิ์ชัย#ปู่ฤๅษี#ผึ้งหลวง", smartcard.Name{Prefix: "นาย", First: "ศักดิ์ชัย", Middle: "ปู่ฤๅษี", Last: "ผึ้งหลวง"}},
		{"Mr.#Sakchai#Pureusi#Phuengluang", smartcard.Name{Prefix: "Mr.", First: "Sakchai", Middle: "Pureusi", Last: "Phuengluang"}},
	}
	for _, tt := range tests {
		got, err := ParseName(tis(t, tt.in, 100))
		if err != nil {
			t.Fatalf("ParseName(%q): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("ParseName(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"no separators", "a#b#c", "a#b#c#d#e"} {
		if _, err := ParseName(tis(t, bad, 100)); !errors.Is(err, smartcard.ErrInvalidCard) {
			t.Errorf("ParseName(%q) error = %v, want ErrInvalidCard", bad, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	got, err := ParseAddress(tis(t, "99/12#หมู่ที่ 4#ตรอกวัดดวงแข#ซอยสุขุมวิท 21#ถนนสุขุมวิท#แขวงคลองเตยเหนือ#เขตวัฒนา#กรุงเทพมหานคร", 100))
	if err != nil {
		t.Fatal(err)
	}
	want := smartcard.Address{HouseNo: "99/12", Moo: "หมู่ที่ 4", Alley: "ตรอกวัดดวงแข", Lane: "ซอยสุขุมวิท 21", Road: "ถนนสุขุมวิท", Subdistrict: "แขวงคลองเตยเหนือ", District: "เขตวัฒนา", Province: "กรุงเทพมหานคร"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := ParseAddress(tis(t, "1#2#3", 100)); !errors.Is(err, smartcard.ErrInvalidCard) {
		t.Errorf("short address error = %v", err)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in       string
		noExpiry bool
		want     time.Time
		ok       bool
	}{
		{"25330517", false, time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), true},
		{"25431231", false, time.Date(2000, 12, 31, 0, 0, 0, 0, time.UTC), true},
		{"24900000", false, time.Date(1947, 1, 1, 0, 0, 0, 0, time.UTC), true}, // unknown day and month
		{"99999999", true, time.Time{}, true},
		{"99999999", false, time.Time{}, false},
		{"25330231", false, time.Time{}, false}, // 31 February
		{"2533051", false, time.Time{}, false},
		{"2533O517", false, time.Time{}, false},
		{"25331317", false, time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate([]byte(tt.in), tt.noExpiry)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q, %v) = %v, %v; want %v ok=%v", tt.in, tt.noExpiry, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, smartcard.ErrInvalidCard) {
			t.Errorf("ParseDate(%q) error %v is not ErrInvalidCard", tt.in, err)
		}
	}
}

func TestParseGender(t *testing.T) {
	for in, want := range map[string]smartcard.Gender{"1": smartcard.GenderMale, "2": smartcard.GenderFemale} {
		if g, err := ParseGender([]byte(in)); err != nil || g != want {
			t.Errorf("ParseGender(%q) = %v, %v", in, g, err)
		}
	}
	for _, in := range []string{"", "3", "12"} {
		if _, err := ParseGender([]byte(in)); !errors.Is(err, smartcard.ErrInvalidCard) {
			t.Errorf("ParseGender(%q) error = %v", in, err)
		}
	}
}

func TestFormatPhotoNumber(t *testing.T) {
	if got := FormatPhotoNumber([]byte("11010210123456")); got != "1101-02-10123456" {
		t.Errorf("got %q", got)
	}
	if got := FormatPhotoNumber([]byte("ABC   ")); got != "ABC" {
		t.Errorf("got %q", got)
	}
}

func TestCheckPhoto(t *testing.T) {
	if err := CheckPhoto(make([]byte, photoSize)); !errors.Is(err, smartcard.ErrInvalidCard) {
		t.Errorf("zero photo: %v", err)
	}
	if err := CheckPhoto([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00}); !errors.Is(err, smartcard.ErrInvalidCard) {
		t.Errorf("truncated photo: %v", err)
	}
}

func TestDecodeTextRejectsControl(t *testing.T) {
	if _, err := DecodeText([]byte("ab\x00cd")); err == nil {
		t.Error("NUL inside text accepted")
	}
	if s, err := DecodeText(tis(t, "สำนักงานเขตบางรัก", 100)); err != nil || s != "สำนักงานเขตบางรัก" {
		t.Errorf("got %q, %v", s, err)
	}
}

func FuzzParseName(f *testing.F) {
	f.Add([]byte("Mr.#Sakchai#Pureusi#Phuengluang   "))
	f.Add([]byte{0xB9, 0xD2, 0xC2, '#', 0xCA, '#', '#', 0xA1})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseName(b)
		if err != nil {
			if n != (smartcard.Name{}) {
				t.Fatal("partial name with error")
			}
			return
		}
		for _, s := range []string{n.Prefix, n.First, n.Middle, n.Last} {
			if bytes.ContainsRune([]byte(s), '#') {
				t.Fatalf("separator left in %q", s)
			}
		}
	})
}

func FuzzParseAddress(f *testing.F) {
	f.Add([]byte("1#2#3#4#5#6#7#8"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAddress(b)
		if err != nil && a != (smartcard.Address{}) {
			t.Fatal("partial address with error")
		}
	})
}

func FuzzParseDate(f *testing.F) {
	f.Add([]byte("25330517"), true)
	f.Add([]byte("99999999"), true)
	f.Fuzz(func(t *testing.T, b []byte, noExpiry bool) {
		d, err := ParseDate(b, noExpiry)
		if err != nil {
			if !d.IsZero() {
				t.Fatal("date with error")
			}
			return
		}
		if !d.IsZero() && (d.Hour() != 0 || d.Location() != time.UTC) {
			t.Fatalf("not UTC midnight: %v", d)
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("1234567890121"), []byte("นาย#ก##ข"), []byte("25330517"), []byte("1"), []byte("99999999"), []byte{0xFF, 0xD8, 0xFF})
	f.Fuzz(func(t *testing.T, cid, name, date, gender, expiry, photo []byte) {
		r := &Raw{CitizenID: cid, NameTH: name, NameEN: name, BirthDate: date, Gender: gender, Issuer: name,
			IssueDate: date, ExpiryDate: expiry, Address: name, Photo: photo, PhotoNumber: cid}
		c, err := Decode(r)
		if err != nil && c != nil {
			t.Fatal("card returned with error")
		}
		if err == nil && !ValidCitizenID(c.CitizenID) {
			t.Fatal("invalid citizen ID accepted")
		}
	})
}

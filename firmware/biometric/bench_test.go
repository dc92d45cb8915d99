package biometric

import (
	"image"
	"os"
	"testing"

	"github.com/regterm/regterm/internal/testpeer"
)

func loadFVC(tb testing.TB, set, name string) *image.Gray {
	tb.Helper()
	dir := testpeer.Data(tb, "fingerprints/"+set)
	f, err := os.Open(dir + "/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		tb.Fatalf("%s: %T, want *image.Gray", name, img)
	}
	return g
}

// BenchmarkExtract times extraction of one 388x374 FVC2002 DB1 image.
func BenchmarkExtract(b *testing.B) {
	img := loadFVC(b, "fvc2002_db1_b", "101_1.tif")
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Extract(img, 500); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/image")
}

// BenchmarkIdentify times 1:N comparisons of a prepared probe against
// first impressions of other fingers (the common case of a search: most
// entries are impostors) and one genuine entry, on DB1 (500 dpi) and DB2
// (569 dpi, more minutiae).
func BenchmarkIdentify(b *testing.B) {
	for _, set := range []struct {
		name string
		dpi  int
	}{{"fvc2002_db1_b", 500}, {"fvc2002_db2_b", 569}} {
		b.Run(set.name, func(b *testing.B) { benchIdentify(b, set.name, set.dpi) })
	}
}

func benchIdentify(b *testing.B, set string, dpi int) {
	var gallery []*Prepared
	for _, n := range []string{"102_1.tif", "103_1.tif", "104_1.tif", "105_1.tif", "106_1.tif", "107_1.tif", "108_1.tif", "101_2.tif"} {
		t, err := Extract(loadFVC(b, set, n), dpi)
		if err != nil {
			b.Fatal(err)
		}
		gallery = append(gallery, Prepare(t))
	}
	pt, err := Extract(loadFVC(b, set, "101_1.tif"), dpi)
	if err != nil {
		b.Fatal(err)
	}
	probe := Prepare(pt)
	probe.Match(gallery[0])
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		probe.Match(gallery[i%len(gallery)])
	}
	b.ReportMetric(float64(b.N)/(cpuTime()-c0).Seconds(), "compares/cpu-s")
}

// Command fpeval evaluates the fingerprint extractor and matcher of
// firmware/biometric on FVC-layout image folders, scores image pairs for
// comparison with other matchers, and extracts and compares ISO/IEC
// 19794-2 templates. See docs/biometrics.md.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/regterm/regterm/firmware/biometric"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fpeval:", err)
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  fpeval -db DIR [-dpi N] [-sensor r307|r503] [-json] [-det det.png] [-boot N]
  fpeval score [-dpi N] [-sensor S] < pairs      (lines "IMAGE_A IMAGE_B" -> one score per line)
  fpeval extract [-dpi N] [-sensor S] IMAGE -o TEMPLATE.iso
  fpeval compare A.iso B.iso
`)
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "score":
			return cmdScore(args[1:], stdin, stdout)
		case "extract":
			return cmdExtract(args[1:], stdout)
		case "compare":
			return cmdCompare(args[1:], stdout)
		case "help", "-h", "--help":
			usage(stdout)
			return nil
		}
	}
	fs := flag.NewFlagSet("fpeval", flag.ContinueOnError)
	db := fs.String("db", "", "FVC-layout folder of <finger>_<impression>.<tif|png|pgm>")
	dpi := fs.Int("dpi", 500, "scan resolution of the images")
	sensorName := fs.String("sensor", "", "emulate a sensor module: r307 or r503")
	asJSON := fs.Bool("json", false, "print one JSON object")
	det := fs.String("det", "", "write the DET curve to this PNG")
	boot := fs.Int("boot", 1000, "bootstrap resamples for 95% confidence intervals with -sensor (0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" {
		usage(os.Stderr)
		return fmt.Errorf("-db is required")
	}
	s, err := sensorFlag(*sensorName)
	if err != nil {
		return err
	}
	imgs, err := listFVC(*db)
	if err != nil {
		return err
	}
	// one core, so that the speed figures mean what they say
	runtime.GOMAXPROCS(1)
	o := evalOpts{dpi: *dpi, sensor: s, seed: 1}
	if s != nil {
		o.bootstrap = *boot
	}
	r, err := evaluate(imgs, o)
	if err != nil {
		return err
	}
	r.DB = *db
	if s != nil {
		r.Sensor = s.name
	}
	if *det != "" {
		if err := writeDET(*det, r); err != nil {
			return err
		}
	}
	if *asJSON {
		e := json.NewEncoder(stdout)
		e.SetIndent("", "  ")
		return e.Encode(r)
	}
	printReport(stdout, r)
	return nil
}

func sensorFlag(name string) (*sensor, error) {
	if name == "" {
		return nil, nil
	}
	s, ok := sensors[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown sensor %q (r307, r503)", name)
	}
	return &s, nil
}

func pct(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }

func printReport(w io.Writer, r *report) {
	fmt.Fprintf(w, "data set        %s (%d images)", r.DB, r.Images)
	if r.Sensor != "" {
		fmt.Fprintf(w, ", emulated %s", r.Sensor)
	}
	fmt.Fprintf(w, "\nalgorithm       %s\n", biometric.AlgorithmVersion)
	fmt.Fprintf(w, "comparisons     %d genuine, %d impostor (FVC), %d impostor (extended)\n", r.Genuine, r.Impostor, r.ImpostorExt)
	fmt.Fprintf(w, "EER (FVC)       %s\n", pct(r.EER))
	fmt.Fprintf(w, "EER (extended)  %s", pct(r.EERExtended))
	if r.EERCI != nil {
		fmt.Fprintf(w, "  [95%% CI %s – %s]", pct(r.EERCI[0]), pct(r.EERCI[1]))
	}
	fmt.Fprintf(w, "\nFNMR @ FMR 1%%   %s", pct(r.FNMRAt1e2))
	if r.FNMR1e2CI != nil {
		fmt.Fprintf(w, "  [95%% CI %s – %s]", pct(r.FNMR1e2CI[0]), pct(r.FNMR1e2CI[1]))
	}
	fmt.Fprintf(w, "\nFNMR @ FMR 0.1%% %s", pct(r.FNMRAt1e3))
	if r.FNMR1e3CI != nil {
		fmt.Fprintf(w, "  [95%% CI %s – %s]", pct(r.FNMR1e3CI[0]), pct(r.FNMR1e3CI[1]))
	}
	fmt.Fprintf(w, "\nFNMR @ FMR 0    %s (extended impostors)\n", pct(r.FNMRAtZero))
	d := func(name string, s dist) {
		fmt.Fprintf(w, "%-15s min %.1f  p5 %.1f  median %.1f  p95 %.1f  max %.1f  mean %.1f\n", name, s.Min, s.P5, s.Median, s.P95, s.Max, s.Mean)
	}
	d("genuine", r.GenuineScores)
	d("impostor (ext)", r.ImpostorScores)
	fmt.Fprintf(w, "extraction      median %.1f ms, %d failures to extract, median %d minutiae\n", r.ExtractMSMedian, r.FailuresToExtract, r.MinutiaeMedian)
	fmt.Fprintf(w, "matching        %.0f prepared comparisons/s (one core)\n", r.ComparesPerS)
}

func cmdScore(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	dpi := fs.Int("dpi", 500, "scan resolution of the images")
	sensorName := fs.String("sensor", "", "emulate a sensor module")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := sensorFlag(*sensorName)
	if err != nil {
		return err
	}
	cache := map[string]*biometric.Prepared{}
	get := func(path string) *biometric.Prepared {
		if p, ok := cache[path]; ok {
			return p
		}
		t, err := extractFile(path, *dpi, s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fpeval: %s: %v\n", path, err)
			t = nil
		}
		p := biometric.Prepare(t)
		cache[path] = p
		return p
	}
	sc := bufio.NewScanner(stdin)
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return fmt.Errorf("score: want \"IMAGE_A IMAGE_B\", got %q", sc.Text())
		}
		fmt.Fprintf(bw, "%.3f\n", get(f[0]).Match(get(f[1])))
	}
	return sc.Err()
}

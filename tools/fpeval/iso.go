package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/iso19794"
)

// maxRecord bounds the template files compare reads.
const maxRecord = 1 << 20

func cmdExtract(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	dpi := fs.Int("dpi", 500, "scan resolution of the image")
	sensorName := fs.String("sensor", "", "emulate a sensor module")
	out := fs.String("o", "", "write the ISO/IEC 19794-2:2005 record here")
	ansi := fs.Bool("ansi", false, "write ANSI/INCITS 378-2004 instead")
	// the image may come before, between or after the flags
	var img string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		if img != "" {
			return fmt.Errorf("extract: one image only, got %q and %q", img, fs.Arg(0))
		}
		img, args = fs.Arg(0), fs.Args()[1:]
	}
	if img == "" || *out == "" {
		return fmt.Errorf("extract: usage: fpeval extract IMAGE -o TEMPLATE.iso")
	}
	s, err := sensorFlag(*sensorName)
	if err != nil {
		return err
	}
	t, err := extractFile(img, *dpi, s)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	f := iso19794.ISO2005
	if *ansi {
		f = iso19794.ANSI2004
	}
	b, err := iso19794.EncodeTemplate(t, f, &iso19794.Opts{KeepBest: true})
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := os.WriteFile(*out, b, 0o600); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d minutiae, quality %d, %d bytes (%v)\n", *out, len(t.Minutiae), t.Quality, len(b), f)
	return nil
}

func readTemplate(path string) (*biometric.Template, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRecord+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRecord {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxRecord)
	}
	t, err := iso19794.DecodeTemplate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func cmdCompare(args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return fmt.Errorf("compare: usage: fpeval compare A.iso B.iso")
	}
	a, err := readTemplate(args[0])
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	b, err := readTemplate(args[1])
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	s := biometric.Match(a, b)
	fmt.Fprintf(stdout, "%.3f (FMR ≈ %.2g)\n", s, biometric.FMRForThreshold(s))
	return nil
}

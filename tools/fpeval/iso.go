package main

import (
	"errors"
	"io"
)

func cmdExtract(args []string, stdout io.Writer) error {
	return errors.New("extract: ISO/IEC 19794-2 codec not available yet")
}

func cmdCompare(args []string, stdout io.Writer) error {
	return errors.New("compare: ISO/IEC 19794-2 codec not available yet")
}

package main

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// writeDET draws the DET curve (FNMR against FMR, both log scale) of the
// extended impostor set.
func writeDET(path string, r *report) error {
	p := plot.New()
	p.Title.Text = "DET " + r.DB
	p.X.Label.Text = "FMR"
	p.Y.Label.Text = "FNMR"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	floor := 1e-4
	var xy plotter.XYs
	for _, pt := range detPoints(r.genuine, r.impostorExt) {
		xy = append(xy, plotter.XY{X: math.Max(pt[0], floor), Y: math.Max(pt[1], floor)})
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	p.Add(l, plotter.NewGrid())
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = floor, 1, floor, 1
	return p.Save(5*vg.Inch, 5*vg.Inch, path)
}

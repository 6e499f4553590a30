package chart

import (
	"path/filepath"
)

// PlotDir is where the figures of an experiment go under an output root:
// ROOT/EXPERIMENT.
func PlotDir(root string, d *Dataset) string {
	return filepath.Join(root, Slug(d.Experiment))
}

// Plot builds every figure the results support and saves each as PNG and
// SVG in PlotDir(root, ...), creating it. It returns the figures and the
// paths written.
func Plot(res *Results, root string) ([]*Figure, []string, error) {
	figs, err := All(res.Data)
	if err != nil {
		return nil, nil, err
	}
	paths, err := SaveAll(figs, PlotDir(root, res.Data))
	return figs, paths, err
}

// Report saves every figure (as Plot does) and then report.md and
// index.html beside them. It returns the paths written.
func Report(res *Results, root string) ([]string, error) {
	figs, paths, err := Plot(res, root)
	if err != nil {
		return paths, err
	}
	rp, err := WriteReport(res, figs, PlotDir(root, res.Data))
	return append(paths, rp...), err
}

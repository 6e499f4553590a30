package chart

import (
	"fmt"
	"os"
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
	dir := PlotDir(root, res.Data)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("plots folder: %w", err)
	}
	figs, err := All(res.Data)
	if err != nil {
		return nil, nil, err
	}
	var paths []string
	for _, f := range figs {
		ps, err := f.Save(dir)
		paths = append(paths, ps...)
		if err != nil {
			return figs, paths, err
		}
	}
	return figs, paths, nil
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

package chart

import (
	"path/filepath"

	"github.com/fanbench/fanbench/internal/plotkit"
)

// PlotDir is where the figures of an experiment go under an output root:
// ROOT/EXPERIMENT.
func PlotDir(root string, d *Dataset) string {
	return filepath.Join(root, plotkit.Slug(d.Experiment))
}

// Plot builds every figure the results support and saves each as PNG and
// SVG in PlotDir(root, ...), creating it. It returns the figures and the
// paths written.
func Plot(res *Results, root string) ([]*plotkit.Figure, []string, error) {
	figs, err := All(res.Data)
	if err != nil {
		return nil, nil, err
	}
	paths, err := plotkit.SaveAll(figs, PlotDir(root, res.Data))
	return figs, paths, err
}

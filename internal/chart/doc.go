// Package chart draws the figures of one results folder: Load reads the
// folder (runs.jsonl, env.json, claims.json, a merge's machines) into a
// Dataset of the measured runs grouped by facet (workload, mode, cache
// state, machine), series (strategy and knobs) and point (size, workers);
// the Builders draw each chart kind from it with the plotting kit
// (internal/plotkit), and Plot saves them. The report on the same
// results (internal/report) reads the Dataset and the figures.
package chart

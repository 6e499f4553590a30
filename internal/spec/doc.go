// Package spec reads an experiment: a TOML file under experiments/ naming
// a matrix of cells, reference commands and the claims its results are
// expected to satisfy. Load decodes and validates the file once (every
// error one line, file:line: field: msg); Spec.Cells expands the matrix
// into cells, the unit the runner launches; EvaluateClaims judges the
// claims over a run's results.
package spec

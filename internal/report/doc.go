// Package report writes the report of one results folder: report.md and
// a self-contained index.html beside the figures internal/chart draws
// (Write, WritePages; the page templates are files under templates/,
// embedded), and the terminal summary of the same verdict
// (WriteSummary). The verdict comes from the recommendation
// (recommend.go): in every cell the fastest and the leanest strategy,
// compared with the runner-up at Alpha: in adjacent pairs of runs (one
// block of the plan each) by the signed-rank test, else by the
// Mann-Whitney U test (results.MannWhitneyP).
package report

// Package plotkit is the plotting kit every fanbench figure is drawn
// with, on gonum/plot: the figure (a title over panels side by side, a
// legend band below, saved as PNG and SVG at one size), the plotters
// (series of medians with their intervals, bars, reference lines), the
// ticks of log and linear axes in binary and time units, the text styles,
// and each strategy's colour and marker (from internal/look). The charts
// of a results folder (internal/chart) and of the history
// (internal/history) draw with it, so that every chart has one look.
package plotkit

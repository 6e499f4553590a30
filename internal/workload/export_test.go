package workload

// EdgeInputs are the hand-made edge inputs of the package's tests, for its
// external tests too.
var EdgeInputs = edgeInputs

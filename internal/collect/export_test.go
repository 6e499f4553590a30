package collect

// CutLines exposes cutLines to the tests.
var CutLines = cutLines

package collect

// SetFault injects a fault (see faultSpec) in this test binary only.
func SetFault(spec string) { fault = faultSpec(spec) }

// CutLines exposes cutLines to the tests.
var CutLines = cutLines

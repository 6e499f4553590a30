package results

import "fmt"

// WriteClaims writes the verdicts of an experiment's claims to path
// (claims.json) as indented JSON, atomically.
func WriteClaims(path string, v []ClaimResult) error {
	if v == nil {
		v = []ClaimResult{}
	}
	if err := writeJSONAtomic(path, v); err != nil {
		return fmt.Errorf("write claims: %w", err)
	}
	return nil
}

// ReadClaims reads the verdicts written by WriteClaims.
func ReadClaims(path string) ([]ClaimResult, error) {
	var v []ClaimResult
	if err := readJSON(path, &v); err != nil {
		return nil, fmt.Errorf("read claims: %w", err)
	}
	return v, nil
}

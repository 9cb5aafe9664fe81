//go:build !unix

package sim

// RaiseFileLimit does nothing where there are no rlimits; it returns 0.
func RaiseFileLimit() (uint64, error) { return 0, nil }

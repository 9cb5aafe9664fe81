//go:build !unix

package gateway

// openFileLimit returns 0: the limit is unknown off Unix.
func openFileLimit() int { return 0 }

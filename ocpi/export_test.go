package ocpi

import "net/http"

// NextLinkForTest exposes the Link parser to the external tests.
func NextLinkForTest(h http.Header) string { return nextLink(h) }

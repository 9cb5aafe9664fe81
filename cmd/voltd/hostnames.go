package main

import (
	"net"
	"net/url"
	"strings"
)

// platformHosts are the platform's own host names, reserved so no
// whitelabel theme takes over the platform's pages (issue #10 item 2): the
// host of VOLT_PUBLIC_URL and the listener's host when it is a name
// (localhost and IP literals are reserved anyway).
func (m *Main) platformHosts() []string {
	var hosts []string
	if u, err := url.Parse(strings.TrimSpace(m.Config.PublicURL)); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	if h, _, err := net.SplitHostPort(m.Config.HTTPAddr); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	return hosts
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// demoDataDir is the folder the demo's printable files go to: the SQLite
// database's folder (./volt-data by default), else ./volt-data; "" for an
// in-memory database.
func (m *Main) demoDataDir() string {
	u := m.Config.DatabaseURL
	if isPostgresURL(u) {
		return "volt-data"
	}
	p, _, _ := strings.Cut(strings.TrimPrefix(u, "file:"), "?")
	if p == "" || strings.Contains(p, ":memory:") {
		return ""
	}
	return filepath.Dir(p)
}

// writeDemoSignage writes the sticker of the first demo charger and the
// poster of its site into the data folder, so a newcomer sees the signage
// without the API; it returns the files written.
func (m *Main) writeDemoSignage(ctx context.Context, net *demoNetwork) ([]string, error) {
	dir := m.demoDataDir()
	if dir == "" || len(net.Credentials) == 0 {
		return nil, nil
	}
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	base := strings.TrimRight(m.Config.PublicURL, "/")
	if base == "" {
		base = m.URL()
	}
	g := report.Signage{Hierarchy: m.Services.Hierarchy, Chargers: m.Services.Chargers, Tariffs: m.Services.Tariffs, Base: base}
	c, err := m.Services.Chargers.FindChargerByCPID(ctx, net.Credentials[0].CPID)
	if err != nil {
		return nil, fmt.Errorf("demo signage: %w", err)
	}
	var files []string
	for _, r := range []func(*bytes.Buffer) (string, error){
		func(b *bytes.Buffer) (string, error) { return g.ChargerSticker(ctx, b, c.CPID) },
		func(b *bytes.Buffer) (string, error) { return g.SitePoster(ctx, b, c.SiteID) },
	} {
		var b bytes.Buffer
		name, err := r(&b)
		if err != nil {
			return files, fmt.Errorf("demo signage: %w", err)
		}
		path := filepath.Join(dir, "demo-"+name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return files, fmt.Errorf("demo signage: %w", err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return files, fmt.Errorf("demo signage: %w", err)
		}
		files = append(files, path)
	}
	return files, nil
}

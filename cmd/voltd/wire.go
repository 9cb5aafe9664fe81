package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/api"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/web"
)

// wire builds the services on the database and mounts every surface on mux:
// OCPP websockets, the REST API, the Admin Portal and the Driver Web App.
func (m *Main) wire(ctx context.Context, mux *http.ServeMux, secret []byte) error {
	charging := store.NewChargingService(m.DB)
	charging.Pricer = store.NewPricer(m.DB)
	m.Services = Services{
		Hierarchy: store.NewHierarchyService(m.DB),
		Chargers:  store.NewChargerService(m.DB),
		Users:     store.NewUserService(m.DB),
		Auth:      store.NewAuthService(m.DB),
		Charging:  charging,
	}

	gw := gateway.New(gateway.Config{
		Charging:          charging,
		Bus:               m.Bus,
		Logger:            m.Logger.With("component", "gateway"),
		HeartbeatInterval: m.Config.Heartbeat,
		CallTimeout:       m.Config.CallTimeout,
	})
	m.Services.Commander = gw
	m.Registry.MustRegister(gw.Collectors()...)
	m.onClose(gw.Shutdown)
	mux.Handle("GET /ocpp/{identity}", gw)

	mux.Handle("/api/", api.New(api.Config{
		Hierarchy: m.Services.Hierarchy,
		Chargers:  m.Services.Chargers,
		Users:     m.Services.Users,
		Auth:      m.Services.Auth,
		Charging:  charging,
		Commander: gw,
		Commands:  gateway.CommandAction,
		Logger:    m.Logger.With("component", "api"),
		Version:   Version,
	}))

	mux.Handle("/admin/", web.NewAdmin(web.AdminConfig{
		Hierarchy: m.Services.Hierarchy,
		Chargers:  m.Services.Chargers,
		Users:     m.Services.Users,
		Auth:      m.Services.Auth,
		Charging:  charging,
		Commander: gw,
		Commands:  gateway.CommandAction,
		Bus:       m.Bus,
		Logger:    m.Logger.With("component", "admin"),
		SecretKey: secret,
		SMTP:      m.smtpConfig(),
		BaseURL:   m.Config.PublicURL,
		OCPPURL:   m.ocppURL(),
		TileURL:   m.Config.TileURL,
	}))
	mux.Handle("/static/", web.Static())
	mux.Handle("GET /{$}", web.RootRedirect())

	m.startRetention(ctx, charging)
	return nil
}

// ocppURL returns the base websocket URL shown at onboarding: from
// VOLT_PUBLIC_URL when set, else from the request (nil).
func (m *Main) ocppURL() func(*http.Request) string {
	pub := strings.TrimRight(m.Config.PublicURL, "/")
	if pub == "" {
		return nil
	}
	ws := "ws" + strings.TrimPrefix(pub, "http")
	return func(*http.Request) string { return ws + "/ocpp" }
}

func (m *Main) smtpConfig() *web.SMTPConfig {
	if m.Config.SMTPAddr == "" {
		return nil
	}
	host, portStr, _ := strings.Cut(m.Config.SMTPAddr, ":")
	port, err := strconv.Atoi(portStr)
	if err != nil {
		port = 25
	}
	return &web.SMTPConfig{Host: host, Port: port, From: m.Config.SMTPFrom,
		Username: m.Config.SMTPUser, Password: m.Config.SMTPPassword}
}

// bootstrapAdmin creates the first Super Admin on a database without users,
// from VOLT_ADMIN_EMAIL/PASSWORD or with a one-time password printed to the log.
func (m *Main) bootstrapAdmin(ctx context.Context) error {
	email, password := m.Config.AdminEmail, m.Config.AdminPassword
	generated := false
	if email == "" {
		email = "admin@volt.localhost"
	}
	if password == "" {
		password = volt.NewID("pw")[3:]
		generated = true
	}
	created, err := store.BootstrapSuperAdmin(ctx, m.DB, email, password)
	if err != nil {
		return fmt.Errorf("bootstrap super admin: %w", err)
	}
	if created && generated {
		m.Logger.Warn("created the first Super Admin with a one-time password: sign in and change it",
			"email", email, "password", password)
	} else if created {
		m.Logger.Info("created the first Super Admin", "email", email)
	}
	return nil
}

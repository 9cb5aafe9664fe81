package main

import (
	"context"
	"fmt"
	"strings"

	volt "github.com/volt-ev/volt"
)

// Demo logins, printed at start. They exist only in a database seeded by
// `voltd demo`.
const (
	demoPassword   = "volt-demo-2026"
	demoCPOName    = "Sparkline Charging"
	demoHostSuffix = "sparkline.localhost"
)

type demoSite struct {
	name, city, postcode string
	lat, lon             float64
	groups               []demoGroup
}

type demoGroup struct {
	name     string
	private  bool
	chargers int
}

type demoOwner struct {
	name  string
	sites []demoSite
}

var demoEstate = []demoOwner{
	{name: "Harbour Retail Parks", sites: []demoSite{
		{"Harbourside Car Park", "Bristol", "BS1 5DB", 51.4496, -2.5977, []demoGroup{{"Level 1 rapid", false, 2}, {"Staff bays", true, 1}}},
		{"Cribbs Retail Park", "Bristol", "BS10 7TW", 51.5246, -2.5963, []demoGroup{{"Front row", false, 2}}},
	}},
	{name: "Greenfield Council", sites: []demoSite{
		{"Bath Riverside", "Bath", "BA2 3AS", 51.3789, -2.3700, []demoGroup{{"Riverside public", false, 2}}},
		{"Cardiff Bay Leisure", "Cardiff", "CF10 5BZ", 51.4640, -3.1650, []demoGroup{{"Leisure centre", false, 1}}},
	}},
}

// demoNetwork is what seeding produced: the chargers and their OCPP
// credentials (reissued on every demo start), and the logins to print.
type demoNetwork struct {
	Credentials []volt.ChargerCredentials
	IDTags      []string
	Logins      []demoLogin
}

// demoLogin is one demo login as printed: who, the e-mail, what it shows.
type demoLogin struct{ Who, Email, Sees string }

// seedDemo creates the demo network once; on later starts it finds it and
// reissues the chargers' OCPP passwords for the simulator.
func seedDemo(ctx context.Context, s Services) (*demoNetwork, error) {
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	cpos, _, err := s.Hierarchy.FindCPOs(ctx, volt.Filter{Query: demoCPOName})
	if err != nil {
		return nil, fmt.Errorf("find demo cpo: %w", err)
	}
	var cpo *volt.CPO
	for _, c := range cpos {
		if c.Name == demoCPOName {
			cpo = c
		}
	}
	if cpo == nil {
		if cpo, err = createDemoEstate(ctx, s); err != nil {
			return nil, err
		}
	}
	return reissueDemo(ctx, s, cpo)
}

func createDemoEstate(ctx context.Context, s Services) (*volt.CPO, error) {
	cpo := &volt.CPO{Name: demoCPOName, Whitelabel: true, Currency: "GBP", Theme: volt.Theme{
		DisplayName: "Sparkline", PrimaryColor: "#0b6e4f", AccentColor: "#f2a541",
		HostNames: []string{demoHostSuffix}, SupportPhone: "+44 117 496 0000", SupportEmail: "help@sparkline.example",
	}}
	if err := s.Hierarchy.CreateCPO(ctx, cpo); err != nil {
		return nil, fmt.Errorf("create demo cpo: %w", err)
	}
	var firstOwner *volt.Owner
	var groups []*volt.ChargerGroup
	for _, o := range demoEstate {
		owner := &volt.Owner{CPOID: cpo.ID, Name: o.name, Email: "accounts@" + slug(o.name) + ".example"}
		if err := s.Hierarchy.CreateOwner(ctx, owner); err != nil {
			return nil, fmt.Errorf("create owner %s: %w", o.name, err)
		}
		if firstOwner == nil {
			firstOwner = owner
		}
		gs, err := createDemoSites(ctx, s, owner, o.sites)
		if err != nil {
			return nil, err
		}
		groups = append(groups, gs...)
	}
	// The host of the first owner's first site gets its public charger
	// groups (a car park manager who sees their bays).
	host := &volt.Host{OwnerID: firstOwner.ID, Name: "Harbourside car park desk"}
	for _, g := range groups {
		if g.SiteID == groups[0].SiteID && !g.Private {
			host.ChargerGroupIDs = append(host.ChargerGroupIDs, g.ID)
		}
	}
	if err := s.Hierarchy.CreateHost(ctx, host); err != nil {
		return nil, fmt.Errorf("create demo host: %w", err)
	}
	drivers, err := createDemoPeople(ctx, s, cpo, firstOwner, host)
	if err != nil {
		return nil, err
	}
	if err := createDemoMoney(ctx, s, cpo, groups, drivers); err != nil {
		return nil, err
	}
	return cpo, nil
}

// createDemoMoney prices the demo network: a Public tariff (energy and a
// 30p session fee, so even the demo's first short sessions show money) on every public
// charger group, a cheaper one for the drivers' usergroup on the private
// staff bays (which admits only assigned usergroups), and £50 of sandbox
// credit in each driver's wallet so their RFID sessions pass the credit gate.
func createDemoMoney(ctx context.Context, s Services, cpo *volt.CPO, groups []*volt.ChargerGroup, drivers *volt.Usergroup) error {
	public := &volt.Tariff{CPOID: cpo.ID, Name: "Sparkline Public", Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.49"), SessionFee: volt.MustDecimal("0.30"), IdleFeePerMinute: volt.MustDecimal("0.10"), IdleGraceMinutes: 30}
	staff := &volt.Tariff{CPOID: cpo.ID, Name: "Staff bays", Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.25")}
	for _, t := range []*volt.Tariff{public, staff} {
		if err := s.Tariffs.CreateTariff(ctx, t); err != nil {
			return fmt.Errorf("create tariff %s: %w", t.Name, err)
		}
	}
	for _, g := range groups {
		a := &volt.TariffAssignment{TariffID: public.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: g.ID}
		if g.Private {
			a = &volt.TariffAssignment{TariffID: staff.ID, UsergroupID: drivers.ID, ChargerGroupID: g.ID}
		}
		if err := s.Tariffs.CreateTariffAssignment(ctx, a); err != nil {
			return fmt.Errorf("assign a tariff to %s: %w", g.Name, err)
		}
	}
	users, _, err := s.Users.FindUsers(ctx, volt.UserFilter{UsergroupID: drivers.ID})
	if err != nil {
		return fmt.Errorf("list demo drivers: %w", err)
	}
	for _, u := range users {
		if _, err := s.Money.TopUp(ctx, u.ID, volt.Money{Amount: 5000, Currency: "GBP"}, "4242424242424242", "demo-topup-"+u.ID); err != nil {
			return fmt.Errorf("top up %s: %w", u.Email, err)
		}
	}
	return nil
}

func createDemoSites(ctx context.Context, s Services, owner *volt.Owner, sites []demoSite) ([]*volt.ChargerGroup, error) {
	var groups []*volt.ChargerGroup
	for _, ds := range sites {
		site := &volt.Site{OwnerID: owner.ID, Name: ds.name, Latitude: ds.lat, Longitude: ds.lon,
			Address:   volt.Address{Line1: ds.name, City: ds.city, Postcode: ds.postcode, Country: "GB"},
			Amenities: []string{"toilets", "cafe", "wifi"}, TimeZone: "Europe/London"}
		if err := s.Hierarchy.CreateSite(ctx, site); err != nil {
			return nil, fmt.Errorf("create site %s: %w", ds.name, err)
		}
		for _, dg := range ds.groups {
			g := &volt.ChargerGroup{SiteID: site.ID, Name: dg.name, Private: dg.private}
			if err := s.Hierarchy.CreateChargerGroup(ctx, g); err != nil {
				return nil, fmt.Errorf("create charger group %s: %w", dg.name, err)
			}
			groups = append(groups, g)
			for i := 0; i < dg.chargers; i++ {
				c := &volt.Charger{ChargerGroupID: g.ID, Name: fmt.Sprintf("%s #%d", dg.name, i+1)}
				cred, err := s.Chargers.CreateCharger(ctx, c, 2)
				if err != nil {
					return nil, fmt.Errorf("create charger in %s: %w", dg.name, err)
				}
				if err := seedConnectorFacts(ctx, s, cred.CPID); err != nil {
					return nil, err
				}
			}
		}
	}
	return groups, nil
}

type demoPerson struct {
	role  volt.Role
	email string
	name  string
	owner bool // scoped to the first owner instead of the CPO
}

var demoPeople = []demoPerson{
	{volt.RoleAdmin, "admin@sparkline.example", "Alex Admin", false},
	{volt.RoleStaff, "staff@sparkline.example", "Sam Staff", false},
	{volt.RoleEngineer, "engineer@sparkline.example", "Erin Engineer", false},
	{volt.RoleSupport, "support@sparkline.example", "Sol Support", false},
	{volt.RoleAdmin, "owner@harbour.example", "Olive Owner", true},
	{volt.RoleHost, "host@harbour.example", "Hana Host", true},
	{volt.RoleDriver, "driver@example.com", "Dana Driver", false},
	{volt.RoleDriver, "driver2@example.com", "Dev Driver", false},
}

// createDemoPeople creates the demo logins and returns the drivers' usergroup.
func createDemoPeople(ctx context.Context, s Services, cpo *volt.CPO, owner *volt.Owner, host *volt.Host) (*volt.Usergroup, error) {
	groups := map[string]*volt.Usergroup{}
	for i, p := range demoPeople {
		key := string(p.role)
		if p.owner {
			key += "-owner"
		}
		g := groups[key]
		if g == nil {
			g = &volt.Usergroup{Name: demoGroupName(p), Role: p.role, CPOID: cpo.ID}
			if p.owner {
				g.OwnerID = owner.ID
			}
			if p.role == volt.RoleHost {
				g.HostID = host.ID
			}
			if err := s.Users.CreateUsergroup(ctx, g); err != nil {
				return nil, fmt.Errorf("create usergroup %s: %w", g.Name, err)
			}
			groups[key] = g
		}
		u := &volt.User{Email: p.email, Name: p.name, CPOID: cpo.ID}
		if err := s.Users.CreateUser(ctx, u, demoPassword); err != nil {
			return nil, fmt.Errorf("create user %s: %w", p.email, err)
		}
		if err := s.Users.AddMember(ctx, g.ID, u.ID); err != nil {
			return nil, fmt.Errorf("add %s to %s: %w", p.email, g.Name, err)
		}
		// The engineer has a card; each driver has a household's three, so
		// the simulated drivers (one card in one car at a time, and one
		// session per card) keep several chargers busy with paid sessions.
		cards := map[volt.Role]int{volt.RoleEngineer: 1, volt.RoleDriver: 3}[p.role]
		for k := range cards {
			uid := fmt.Sprintf("04A2B3C4%02X", i)
			if k > 0 {
				uid += fmt.Sprintf("%02X", k)
			}
			card := &volt.RFIDCard{UID: uid, UserID: u.ID, Label: fmt.Sprintf("Demo card %d", k+1)}
			if err := s.Users.CreateRFIDCard(ctx, card); err != nil {
				return nil, fmt.Errorf("create card for %s: %w", p.email, err)
			}
		}
	}
	return groups[string(volt.RoleDriver)], nil
}

func demoGroupName(p demoPerson) string {
	name := map[volt.Role]string{volt.RoleAdmin: "Administrators", volt.RoleStaff: "Staff",
		volt.RoleEngineer: "Engineers", volt.RoleSupport: "Support", volt.RoleDriver: "Drivers", volt.RoleHost: "Hosts"}[p.role]
	if p.owner {
		return "Harbour Retail Parks " + strings.ToLower(name)
	}
	return "Sparkline " + strings.ToLower(name)
}

func reissueDemo(ctx context.Context, s Services, cpo *volt.CPO) (*demoNetwork, error) {
	net := &demoNetwork{}
	chargers, _, err := s.Chargers.FindChargers(ctx, volt.ChargerFilter{CPOID: cpo.ID, Page: volt.Page{Limit: 500}})
	if err != nil {
		return nil, fmt.Errorf("list demo chargers: %w", err)
	}
	for _, c := range chargers {
		cred, err := s.Chargers.ResetChargerPassword(ctx, c.CPID)
		if err != nil {
			return nil, fmt.Errorf("reissue password of %s: %w", c.CPID, err)
		}
		net.Credentials = append(net.Credentials, *cred)
	}
	cards, _, err := s.Users.FindRFIDCards(ctx, volt.UserFilter{CPOID: cpo.ID, Page: volt.Page{Limit: 100}})
	if err != nil {
		return nil, fmt.Errorf("list demo cards: %w", err)
	}
	for _, c := range cards {
		net.IDTags = append(net.IDTags, c.UID)
	}
	for _, p := range demoPeople {
		net.Logins = append(net.Logins, demoLogin{Who: demoGroupName(p), Email: p.email, Sees: demoSees(p)})
	}
	return net, nil
}

func slug(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), "-"))
}

// demoSees says in a few words what a demo login is for.
func demoSees(p demoPerson) string {
	switch {
	case p.role == volt.RoleAdmin && p.owner:
		return "one owner's sites, chargers and income"
	case p.role == volt.RoleAdmin:
		return "start here: the whole network, live"
	case p.role == volt.RoleStaff:
		return "everything, read-only"
	case p.role == volt.RoleEngineer:
		return "chargers, configuration, OCPP logs"
	case p.role == volt.RoleSupport:
		return "helpline, tickets, refunds"
	case p.role == volt.RoleHost:
		return "the car park's own chargers"
	}
	return "the Driver Web App (/app/)"
}

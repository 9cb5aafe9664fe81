package lms

import "github.com/volt-ev/volt"

var _ volt.LoadStatus = (*Manager)(nil)

// SiteLoad returns the site's newest allocation as this node computed it.
func (m *Manager) SiteLoad(siteID string) (*volt.SiteLoad, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.sites[siteID]
	if !ok || st.last == nil {
		return nil, false
	}
	sl := &volt.SiteLoad{SiteID: siteID, Mode: st.mode, MeterFresh: st.fresh, At: st.at, Outlets: make([]volt.LoadAllocation, 0, len(st.last))}
	for i, a := range st.last {
		sl.Outlets = append(sl.Outlets, allocationOf(st.outlets[i], a, st, i))
	}
	return sl, true
}

// OutletLoad returns an outlet's newest allocation.
func (m *Manager) OutletLoad(cpid string, connectorID int) (*volt.LoadAllocation, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.sites[m.where[cpid]]
	if !ok {
		return nil, false
	}
	id := EVSEID(cpid, connectorID)
	for i, a := range st.last {
		if a.ID == id {
			la := allocationOf(st.outlets[i], a, st, i)
			return &la, true
		}
	}
	return nil, false
}

func allocationOf(o Outlet, a Allocation, st *siteState, i int) volt.LoadAllocation {
	la := volt.LoadAllocation{CPID: o.CPID, ConnectorID: o.ConnectorID, CurrentA: a.CurrentA, Phases: o.Config.Phases,
		Reason: string(a.Reason), At: st.at}
	if o.Session != nil {
		la.SessionID = o.Session.ID
	}
	if i < len(st.discharge) {
		la.DischargeA = st.discharge[i]
	}
	return la
}

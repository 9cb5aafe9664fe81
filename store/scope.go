package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// scopeCols names the columns (or SQL expressions) of a table that locate a
// row in the hierarchy. An empty name means the table has no such column.
// GroupVia, used when Group is empty, is a format with one %s for the
// placeholder list: a sub-select relating the row to charger groups (a site
// reached by a host through the groups it holds).
type scopeCols struct {
	CPO      string
	Owner    string
	Group    string
	GroupVia string
	CPID     string // a charger's CPID: install job grants (issue 16)
}

// scopeWhere builds the WHERE fragment restricting a table to what actor
// reaches with permission p, with its arguments. A super admin gets "1=1"; an
// empty scope gets "1=0" (matches nothing); a nil actor is EUNAUTHORIZED.
func scopeWhere(actor *volt.Actor, p volt.Perm, cols scopeCols) (string, []any, error) {
	if actor == nil {
		return "", nil, errUnauthorized()
	}
	s := actor.ScopeFor(p)
	if s.All {
		return "1=1", nil, nil
	}
	if s.Empty() {
		return "1=0", nil, nil
	}
	var parts []string
	var args []any
	add := func(expr string, ids []string) {
		if len(ids) == 0 || expr == "" {
			return
		}
		parts = append(parts, fmt.Sprintf(expr, inList(len(ids))))
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if cols.CPO != "" {
		add(cols.CPO+" IN (%s)", s.CPOIDs)
	}
	if cols.Owner != "" {
		add(cols.Owner+" IN (%s)", s.OwnerIDs)
	}
	if cols.Group != "" {
		add(cols.Group+" IN (%s)", s.ChargerGroupIDs)
	} else {
		add(cols.GroupVia, s.ChargerGroupIDs)
	}
	if cols.CPID != "" {
		add(cols.CPID+" IN (%s)", s.CPIDs)
	}
	if len(parts) == 0 {
		return "1=0", nil, nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, nil
}

// inList returns "?, ?, ?" for n arguments.
func inList(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// actorOf returns the actor of ctx, or EUNAUTHORIZED.
func actorOf(ctx context.Context) (*volt.Actor, error) {
	a := volt.ActorFromContext(ctx)
	if a == nil {
		return nil, errUnauthorized()
	}
	return a, nil
}

func errUnauthorized() error {
	return volt.Errorf(volt.EUNAUTHORIZED, "Authentication required.")
}

// canWrite checks PermWrite on ref for a resource the actor can already read:
// readable but not writable is EFORBIDDEN.
func canWrite(a *volt.Actor, ref volt.Ref) error {
	return canDo(a, volt.PermWrite, ref)
}

// canDo checks p on ref for a resource the actor can read (EFORBIDDEN when not
// allowed) and returns ENOTFOUND when the actor cannot even read it.
func canDo(a *volt.Actor, p volt.Perm, ref volt.Ref) error {
	if a == nil {
		return errUnauthorized()
	}
	if a.Can(p, ref) {
		return nil
	}
	return volt.Errorf(volt.EFORBIDDEN, "You are not allowed to do this.")
}

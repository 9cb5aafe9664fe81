package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// HubService implements volt.HubService (issue 16 item 5). A hub's sockets
// are chargers (one connector each, hub_id set): socket 1's charger carries
// the hub's OCPP identity and password, so the gateway authenticates a hub
// as it does any charger; the other sockets' chargers get the identity
// "IDENTITY/N", which no websocket URL can carry (identities have no '/').
// TODO(issue 16): deleting a hub, or adding sockets to one; deleting one
// socket's charger leaves its hub_sockets row (the gateway then routes its
// connector to a deleted charger, whose frames the store refuses).
type HubService struct {
	db *DB
}

var _ volt.HubService = (*HubService)(nil)

// NewHubService returns the hub service of db.
func NewHubService(db *DB) *HubService { return &HubService{db: db} }

var hubScope = scopeCols{CPO: "h.cpo_id", Owner: "h.owner_id", Group: "h.charger_group_id"}

// CreateHub onboards a hub into a charger group the actor may write: it
// allocates one CPID per socket and returns the hub's OCPP password once.
func (s *HubService) CreateHub(ctx context.Context, in volt.HubCreate) (*volt.HubCredentials, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if in.ChargerGroupID == "" {
		return nil, volt.FieldError("chargerGroupId", "A hub requires a charger group.")
	}
	if in.Sockets < 1 || in.Sockets > volt.MaxHubSockets {
		return nil, volt.FieldError("sockets", "A hub has 1 to %d sockets, got %d.", volt.MaxHubSockets, in.Sockets)
	}
	if in.OCPPIdentity, err = identityField(in.OCPPIdentity); err != nil {
		return nil, err
	}
	password := newChargerPassword()
	hash, err := HashSecret(password)
	if err != nil {
		return nil, err
	}
	var out *volt.HubCredentials
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		g, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", in.ChargerGroupID, groupScope, scanGroup)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, g.Ref()) {
			return volt.Errorf(volt.EFORBIDDEN, "You may not add hubs to this charger group.")
		}
		if in.OCPPIdentity != "" {
			if err := identityFree(ctx, tx, a, in.OCPPIdentity, ""); err != nil {
				return err
			}
		}
		h := volt.Hub{ID: volt.NewID(volt.PrefixHub), CPOID: g.CPOID, OwnerID: g.OwnerID, ChargerGroupID: g.ID, CreatedAt: tx.Now()}
		for n := 1; n <= in.Sockets; n++ {
			cpid, err := nextCPID(ctx, tx)
			if err != nil {
				return err
			}
			c := &volt.Charger{HubID: h.ID, ChargerGroupID: g.ID}
			socketHash := hash
			if n == 1 {
				c.OCPPIdentity = in.OCPPIdentity
			} else {
				c.OCPPIdentity = h.OCPPIdentity + "/" + fmt.Sprint(n)
				// Never used: the hub connects as socket 1.
				if socketHash, err = HashSecret(newChargerPassword()); err != nil {
					return err
				}
			}
			if err := insertCharger(ctx, tx, c, g, cpid, socketHash, 1); err != nil {
				return err
			}
			if n == 1 {
				h.OCPPIdentity = c.OCPPIdentity
			}
			h.Sockets = append(h.Sockets, volt.HubSocket{HubConnectorID: n, CPID: cpid, ConnectorID: 1})
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hubs (id, ocpp_identity, cpo_id, owner_id, charger_group_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, h.ID, h.OCPPIdentity, h.CPOID, h.OwnerID, h.ChargerGroupID, tx.NowMS(), tx.NowMS()); err != nil {
			return fmt.Errorf("create hub: %w", mapError(err))
		}
		for _, sk := range h.Sockets {
			if _, err := tx.Exec(ctx, `INSERT INTO hub_sockets (hub_id, hub_connector_id, cpid, connector_id) VALUES (?, ?, ?, ?)`,
				h.ID, sk.HubConnectorID, sk.CPID, sk.ConnectorID); err != nil {
				return fmt.Errorf("create hub socket %d: %w", sk.HubConnectorID, err)
			}
		}
		out = &volt.HubCredentials{Hub: h, OCPPPassword: password}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const hubCols = `h.id, h.ocpp_identity, h.cpo_id, h.owner_id, h.charger_group_id, h.created_at`

func scanHub(s rowScanner) (*volt.Hub, error) {
	h := &volt.Hub{}
	var created int64
	if err := s.Scan(&h.ID, &h.OCPPIdentity, &h.CPOID, &h.OwnerID, &h.ChargerGroupID, &created); err != nil {
		return nil, err
	}
	h.CreatedAt = fromMS(created)
	return h, nil
}

// FindHubByID returns a hub the actor may read, with its sockets.
func (s *HubService) FindHubByID(ctx context.Context, id string) (*volt.Hub, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	h, err := findOne(ctx, s.db, a, "Hub", hubCols, "hubs h", "h.id", id, hubScope, scanHub)
	if err != nil {
		return nil, err
	}
	if err := loadSockets(ctx, s.db, []*volt.Hub{h}); err != nil {
		return nil, err
	}
	return h, nil
}

// FindHubs lists the hubs the actor may read, newest first.
func (s *HubService) FindHubs(ctx context.Context, f volt.Filter) ([]*volt.Hub, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, hubScope); err != nil {
		return nil, 0, err
	}
	w.eq("h.cpo_id", f.CPOID)
	w.eq("h.owner_id", f.OwnerID)
	w.eq("h.charger_group_id", f.ChargerGroupID)
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM hubs h WHERE `+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count hubs: %w", err)
	}
	p := f.Page.Normalize()
	rows, err := s.db.Query(ctx, `SELECT `+hubCols+` FROM hubs h WHERE `+w.String()+` ORDER BY h.created_at DESC, h.id LIMIT ? OFFSET ?`,
		append(w.args, p.Limit, p.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find hubs: %w", err)
	}
	defer rows.Close()
	hubs := []*volt.Hub{}
	for rows.Next() {
		h, err := scanHub(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find hubs: %w", mapError(err))
		}
		hubs = append(hubs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find hubs: %w", err)
	}
	rows.Close()
	if err := loadSockets(ctx, s.db, hubs); err != nil {
		return nil, 0, err
	}
	return hubs, total, nil
}

func loadSockets(ctx context.Context, q querier, hubs []*volt.Hub) error {
	if len(hubs) == 0 {
		return nil
	}
	by := make(map[string]*volt.Hub, len(hubs))
	args := make([]any, 0, len(hubs))
	for _, h := range hubs {
		h.Sockets = []volt.HubSocket{}
		by[h.ID] = h
		args = append(args, h.ID)
	}
	rows, err := q.Query(ctx, `SELECT hub_id, hub_connector_id, cpid, connector_id FROM hub_sockets
		WHERE hub_id IN (`+inList(len(args))+`) ORDER BY hub_id, hub_connector_id`, args...)
	if err != nil {
		return fmt.Errorf("hub sockets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sk volt.HubSocket
		if err := rows.Scan(&id, &sk.HubConnectorID, &sk.CPID, &sk.ConnectorID); err != nil {
			return fmt.Errorf("hub sockets: %w", err)
		}
		by[id].Sockets = append(by[id].Sockets, sk)
	}
	return mapError(rows.Err())
}

// HubTransactionCPID returns which of the hub's socket chargers holds the
// session of a Volt transaction id (unique platform-wide). ENOTFOUND when
// none does.
func (s *HubService) HubTransactionCPID(ctx context.Context, hubID string, transactionID int64) (string, error) {
	if _, err := actorOf(ctx); err != nil {
		return "", err
	}
	var cpid string
	err := s.db.QueryRow(ctx, `SELECT s.cpid FROM sessions s JOIN hub_sockets h ON h.cpid = s.cpid
		WHERE h.hub_id = ? AND s.transaction_id = ? ORDER BY s.started_at DESC LIMIT 1`, hubID, transactionID).Scan(&cpid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", volt.Errorf(volt.ENOTFOUND, "No session of transaction %d on hub %s.", transactionID, hubID)
	} else if err != nil {
		return "", fmt.Errorf("transaction %d of hub %s: %w", transactionID, hubID, err)
	}
	return cpid, nil
}

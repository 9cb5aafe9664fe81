package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/volt-ev/volt/internal/seal"
)

// Secrets at rest (issue 19): webhook signing secrets and telematics OAuth
// tokens are stored sealed (internal/seal, AES-GCM under VOLT_SECRET_KEY),
// each bound to its row so a sealed value copied to another row does not
// open. Values written before sealing carry no seal.Prefix and are read as
// they are; SealStoredSecrets seals them (voltd runs it at start).

// secretsPurpose separates these keys from the CA keys' (cmd/voltd).
const secretsPurpose = "volt stored secret"

// emptyKeySealer seals when no key was set (tests, a node without
// VOLT_SECRET_KEY): the values are still no plain text in the database.
var emptyKeySealer = seal.New("", secretsPurpose)

// SetSecretKey sets the platform secret (VOLT_SECRET_KEY) that seals the
// secrets this database stores. Call it before the database serves; every
// node of a cluster needs the same one. Unset, an empty key is used.
func (db *DB) SetSecretKey(secret string) { db.secrets = seal.New(secret, secretsPurpose) }

func (db *DB) sealer() *seal.Sealer {
	if db.secrets == nil {
		return emptyKeySealer
	}
	return db.secrets
}

// The aad binding a sealed column to its row.
func webhookSecretAAD(endpointID string) string { return "webhook_endpoints.secret/" + endpointID }
func telematicsTokenAAD(column, provider, vehicleID string) string {
	return "telematics_tokens." + column + "/" + provider + "/" + vehicleID
}

// sealText seals plain for the row named by aad; an empty value stays
// empty (no secret to keep).
func (db *DB) sealText(plain, aad string) string {
	if plain == "" {
		return ""
	}
	return db.sealer().SealText(plain, aad)
}

// openText opens a sealed column; plain text from before sealing is
// answered as is.
func (db *DB) openText(stored, aad string) (string, error) {
	p, _, err := db.sealer().OpenText(stored, aad)
	if err != nil {
		return "", fmt.Errorf("open %s (is VOLT_SECRET_KEY the one it was sealed with?): %w", strings.SplitN(aad, "/", 2)[0], err)
	}
	return p, nil
}

// SealStoredSecrets seals the webhook secrets and telematics tokens still
// stored as plain text (written before issue 19's sealing) and answers how
// many values it sealed. Each row is replaced only if it still holds the
// plain text read, so nodes running it at once, or a rotation meanwhile,
// lose nothing.
func (db *DB) SealStoredSecrets(ctx context.Context) (int, error) {
	n := 0
	not := `NOT LIKE '` + seal.Prefix + `%'`
	type row struct{ a, b, c, d string }
	read := func(q string) ([]row, error) {
		rows, err := db.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.a, &r.b, &r.c, &r.d); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	hooks, err := read(`SELECT id, secret, '', '' FROM webhook_endpoints WHERE secret <> '' AND secret ` + not)
	if err != nil {
		return n, fmt.Errorf("seal webhook secrets: %w", err)
	}
	for _, h := range hooks {
		res, err := db.Exec(ctx, `UPDATE webhook_endpoints SET secret = ? WHERE id = ? AND secret = ?`, db.sealText(h.b, webhookSecretAAD(h.a)), h.a, h.b)
		if err != nil {
			return n, fmt.Errorf("seal webhook secret %s: %w", h.a, err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	for _, col := range []string{"access_token", "refresh_token"} {
		toks, err := read(`SELECT provider, provider_vehicle_id, ` + col + `, '' FROM telematics_tokens WHERE ` + col + ` <> '' AND ` + col + ` ` + not)
		if err != nil {
			return n, fmt.Errorf("seal telematics %s: %w", col, err)
		}
		for _, t := range toks {
			res, err := db.Exec(ctx, `UPDATE telematics_tokens SET `+col+` = ? WHERE provider = ? AND provider_vehicle_id = ? AND `+col+` = ?`,
				db.sealText(t.c, telematicsTokenAAD(col, t.a, t.b)), t.a, t.b, t.c)
			if err != nil {
				return n, fmt.Errorf("seal telematics %s of %s: %w", col, t.b, err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
	}
	return n, nil
}

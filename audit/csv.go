package audit

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// csvHeader is the first row of an audit export.
var csvHeader = []string{"id", "at", "actorId", "actorEmail", "actorRoles", "source", "clientAddr", "action",
	"resourceType", "resourceId", "cpoId", "ownerId", "chargerGroupId", "outcome", "errorCode", "errorMessage",
	"driverContact", "before", "after", "details"}

// WriteCSV writes entries as CSV with a header row. Times are RFC 3339 UTC;
// snapshots are their JSON. A cell that a spreadsheet would run as a formula
// (starting with = + - @ or a control character) is prefixed with a quote.
func WriteCSV(w io.Writer, entries []*volt.AuditEntry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("audit csv: %w", err)
	}
	if err := writeRows(cw, entries); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func writeRows(cw *csv.Writer, entries []*volt.AuditEntry) error {
	for _, e := range entries {
		row := []string{e.ID, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.ActorEmail, e.ActorRoles,
			string(e.Source), e.ClientAddr, e.Action, e.ResourceType, e.ResourceID, e.CPOID, e.OwnerID,
			e.ChargerGroupID, e.Outcome, e.ErrorCode, e.ErrorMessage, e.DriverContact,
			string(e.Before), string(e.After), string(e.Details)}
		for i := range row {
			row[i] = safeCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("audit csv: %w", err)
		}
	}
	return nil
}

func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// MaxExportRows bounds one export.
const MaxExportRows = 100_000

// Export writes every entry matching f that the actor of ctx reads, as CSV,
// page by page, and returns how many it wrote. The window is frozen at the
// start (To defaults to now) so entries recorded meanwhile neither shift the
// pages nor appear twice. More than MaxExportRows is EUNPROCESSABLE before
// anything is written: narrow the filter.
func Export(ctx context.Context, svc volt.AuditService, f volt.AuditFilter, w io.Writer) (int, error) {
	if f.To == nil {
		now := time.Now().Add(time.Millisecond)
		f.To = &now
	}
	f.Page = volt.Page{Limit: 500}
	first, total, err := svc.FindAuditEntries(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("export audit: %w", err)
	}
	if total > MaxExportRows {
		return 0, volt.Errorf(volt.EUNPROCESSABLE, "%d entries match; export at most %d at once.", total, MaxExportRows)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return 0, fmt.Errorf("audit csv: %w", err)
	}
	n, page := 0, first
	for len(page) > 0 {
		if err := writeRows(cw, page); err != nil {
			return n, err
		}
		n += len(page)
		if n >= total {
			break
		}
		f.Offset = n
		if page, _, err = svc.FindAuditEntries(ctx, f); err != nil {
			return n, fmt.Errorf("export audit: %w", err)
		}
	}
	cw.Flush()
	return n, cw.Error()
}

package volt

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
)

// chargerCSVColumns are the columns of a charger import, in any order; the
// first line names them.
var chargerCSVColumns = []string{"identity", "password", "group", "model", "connectors"}

// ParseChargerCSV reads a charger import: a header line naming the columns
// identity, password, group, model, connectors (identity and group
// required), then one charger per line. Problems are a ImportErrors
// listing each (line number, column, message).
func ParseChargerCSV(r io.Reader) ([]ChargerImportRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, FieldError("file", "The file is empty: the first line names the columns %s.", strings.Join(chargerCSVColumns, ", "))
	} else if err != nil {
		return nil, ImportErrors([]ImportRowError{{Row: 1, Message: err.Error()}})
	}
	col := map[string]int{}
	var errs []ImportRowError
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(chargerCSVColumns, h) {
			errs = append(errs, ImportRowError{Row: 1, Column: h, Message: "Unknown column; the columns are " + strings.Join(chargerCSVColumns, ", ") + "."})
			continue
		}
		col[h] = i
	}
	for _, need := range []string{"identity", "group"} {
		if _, ok := col[need]; !ok {
			errs = append(errs, ImportRowError{Row: 1, Column: need, Message: "Column missing."})
		}
	}
	if len(errs) > 0 {
		return nil, ImportErrors(errs)
	}
	var rows []ChargerImportRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, ImportRowError{Row: line, Message: err.Error()})
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		field := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := ChargerImportRow{Row: line, OCPPIdentity: field("identity"), Password: field("password"),
			ChargerGroupID: field("group"), Model: field("model")}
		if n := field("connectors"); n != "" {
			if row.Connectors, err = strconv.Atoi(n); err != nil {
				errs = append(errs, ImportRowError{Row: line, Column: "connectors", Message: "Not a whole number: " + n + "."})
			}
		}
		rows = append(rows, row)
	}
	if len(errs) > 0 {
		return nil, ImportErrors(errs)
	}
	return rows, nil
}

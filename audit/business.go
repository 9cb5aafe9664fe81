package audit

import (
	"context"
	"errors"

	"github.com/volt-ev/volt"
)

// The operator's business (issue 17): billing socket fees, reliability
// exclusions and ticket service levels are recorded like every other change.

type socketFees struct {
	volt.SocketFeeService
	r *Recorder
}

// WrapSocketFees records every billing of a period ("socket-fees.bill").
func WrapSocketFees(next volt.SocketFeeService, r *Recorder) volt.SocketFeeService {
	return &socketFees{SocketFeeService: next, r: r}
}

// BillSocketFees bills the period and records it with the statement after.
func (s *socketFees) BillSocketFees(ctx context.Context, cpoID, period string) (*volt.SocketFeeStatement, error) {
	var st *volt.SocketFeeStatement
	t := tracked[*volt.SocketFeeStatement]{typ: volt.ResourceSocketFeeStatement, find: s.FindSocketFeeStatementByID,
		place: func(st *volt.SocketFeeStatement) volt.Ref { return volt.Ref{CPOID: st.CPOID} }}
	err := run(ctx, s.r, t, mutation{action: "socket-fees.bill", details: map[string]string{"cpoId": cpoID, "period": period},
		call: func() (string, error) {
			var err error
			st, err = s.SocketFeeService.BillSocketFees(ctx, cpoID, period)
			if err != nil {
				return "", err
			}
			return st.ID, nil
		}})
	return st, err
}

type reliability struct {
	volt.ReliabilityService
	r *Recorder
}

// WrapReliability records exclusions created and removed.
func WrapReliability(next volt.ReliabilityService, r *Recorder) volt.ReliabilityService {
	return &reliability{ReliabilityService: next, r: r}
}

func (s *reliability) findExclusion(ctx context.Context, id string) (*volt.ReliabilityExclusion, error) {
	items, _, err := s.FindReliabilityExclusions(ctx, volt.ExclusionFilter{Page: volt.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	for _, e := range items {
		if e.ID == id {
			return e, nil
		}
	}
	return nil, errors.New("exclusion not found")
}

func (s *reliability) tracked() tracked[*volt.ReliabilityExclusion] {
	return tracked[*volt.ReliabilityExclusion]{typ: volt.ResourceReliabilityExclusion, find: s.findExclusion,
		place: func(e *volt.ReliabilityExclusion) volt.Ref { return volt.Ref{CPOID: e.CPOID} }}
}

// CreateReliabilityExclusion records "reliability-exclusion.create".
func (s *reliability) CreateReliabilityExclusion(ctx context.Context, e *volt.ReliabilityExclusion) error {
	return run(ctx, s.r, s.tracked(), mutation{action: "reliability-exclusion.create", call: func() (string, error) {
		return idIf(e.ID, s.ReliabilityService.CreateReliabilityExclusion(ctx, e))
	}})
}

// DeleteReliabilityExclusion records "reliability-exclusion.delete".
func (s *reliability) DeleteReliabilityExclusion(ctx context.Context, id string) error {
	return run(ctx, s.r, s.tracked(), mutation{action: "reliability-exclusion.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, s.ReliabilityService.DeleteReliabilityExclusion(ctx, id))
	}})
}

type ticketSLA struct {
	volt.TicketSLAService
	r *Recorder
}

// WrapTicketSLA records changes of a CPO's ticket service levels.
func WrapTicketSLA(next volt.TicketSLAService, r *Recorder) volt.TicketSLAService {
	return &ticketSLA{TicketSLAService: next, r: r}
}

// SetTicketServiceLevels records "ticket-service-levels.update" with the
// targets before and after.
func (s *ticketSLA) SetTicketServiceLevels(ctx context.Context, l *volt.TicketServiceLevels) error {
	t := tracked[*volt.TicketServiceLevels]{typ: volt.ResourceTicketServiceLevels, find: s.TicketServiceLevels,
		place: func(l *volt.TicketServiceLevels) volt.Ref { return volt.Ref{CPOID: l.CPOID} }}
	return run(ctx, s.r, t, mutation{action: "ticket-service-levels.update", id: l.CPOID, call: func() (string, error) {
		return idIf(l.CPOID, s.TicketSLAService.SetTicketServiceLevels(ctx, l))
	}})
}

package gateway

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt/ocpp/v21"
)

// pullDynamicScheduleUpdate21 answers a 2.1 station asking for the next
// update of a Dynamic charging profile (K-block, PullDynamicScheduleUpdate).
// Volt's load management installs Relative and Absolute profiles only
// (lms), never Dynamic ones, so a profile id a station names here is not
// one Volt manages: Rejected, saying which, rather than a CALLERROR the
// station would retry.
func pullDynamicScheduleUpdate21(_ context.Context, _ *conn, req *v21.PullDynamicScheduleUpdateRequest) (*v21.PullDynamicScheduleUpdateResponse, error) {
	return &v21.PullDynamicScheduleUpdateResponse{
		Status: v21.ChargingProfileStatusEnumRejected,
		StatusInfo: &v21.StatusInfo{ReasonCode: "UnknownProfile",
			AdditionalInfo: fmt.Sprintf("charging profile %d is not a Dynamic profile set by this CSMS", req.ChargingProfileID)},
	}, nil
}

package v16_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// A CSMS reading one websocket message from a charger whose model needs two
// relaxations (stored as text with the charger model).
func Example() {
	relax, _ := ocpp.ParseRelaxations([]string{"LongStrings,TimestampWithoutZone"})
	msg := []byte(`[2,"19223201","BootNotification",{"chargePointVendor":"VoltTest","chargePointModel":"VT-22-AC-TWIN-SOCKET-PRO"}]`)

	answer := func(f any) { b, _ := json.Marshal(f); fmt.Println(string(b)) }
	frame, err := ocpp.ParseFrame(ocpp.V16, msg)
	var fe *ocpp.FrameError
	if errors.As(err, &fe) {
		if fe.Reply != nil {
			answer(*fe.Reply)
		}
		return
	}
	call := frame.(ocpp.Call)
	req, err := ocpp.DecodeRequest(v16.Registry(), ocpp.ChargerToCSMS, call.Action, call.Payload, relax)
	var oe *ocpp.Error
	if errors.As(err, &oe) {
		answer(oe.CallError(call.UniqueID))
		return
	}
	switch req := req.(type) {
	case *v16.BootNotificationRequest:
		fmt.Println("model:", req.ChargePointModel)
		res, _ := ocpp.NewCallResult(call.UniqueID, v16.BootNotificationResponse{
			Status: v16.RegistrationStatusAccepted, Interval: 300,
			CurrentTime: ocpp.NewDateTime(time.Date(2026, 11, 25, 19, 10, 0, 0, time.UTC)),
		})
		answer(res)
	}

	// The same message from a model without LongStrings.
	_, err = ocpp.DecodeRequest(v16.Registry(), ocpp.ChargerToCSMS, call.Action, call.Payload, ocpp.Strict)
	if errors.As(err, &oe) {
		answer(oe.CallError(call.UniqueID))
	}
	// Output:
	// model: VT-22-AC-TWIN-SOCKET-PRO
	// [3,"19223201",{"status":"Accepted","currentTime":"2026-11-25T19:10:00.000Z","interval":300}]
	// [4,"19223201","PropertyConstraintViolation","chargePointModel: longer than 20 characters",{}]
}

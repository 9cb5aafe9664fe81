package gateway

import (
	"errors"

	volt "github.com/volt-ev/volt"
)

// logPendingBoot logs why a BootNotification is answered Pending: a charger
// of an uncertified model on a CPO that requires certified chargers (issue
// 16 item 4; the store recorded the boot, and certifying the model triggers
// a new BootNotification), or a boot that could not be recorded.
func logPendingBoot(c *conn, err error) {
	if errors.Is(err, volt.ErrBootPending) {
		c.g.log.Info("gateway: charger model not certified, answering Pending", "cpid", c.cpid, "err", err)
		return
	}
	c.g.log.Error("gateway: record boot, answering Pending", "cpid", c.cpid, "err", err)
}

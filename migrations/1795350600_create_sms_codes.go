package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Phone sign-in: smsCodes holds the one live code of each phone (only its
// keyed hash), smsOutbox the texts waiting to be sent or retried, whose
// status superusers follow in the dashboard. Users may now have no email
// (they signed up with a phone).
func init() {
	m.Register(func(app core.App) error {
		codes := core.NewBaseCollection("smsCodes")
		codes.Fields.Add(
			&core.TextField{Name: "phone", Required: true, Max: 16},
			&core.TextField{Name: "codeHash", Required: true, Hidden: true, Max: 64},
			&core.DateField{Name: "expires", Required: true},
			&core.DateField{Name: "sentAt", Required: true},
			&core.NumberField{Name: "failedTries", OnlyInt: true, Min: types.Pointer(0.0)},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		codes.AddIndex("idx_smsCodes_phone", true, "phone", "")
		if err := app.Save(codes); err != nil {
			return err
		}

		outbox := core.NewBaseCollection("smsOutbox")
		outbox.Fields.Add(
			&core.TextField{Name: "phone", Required: true, Max: 16},
			&core.TextField{Name: "ip", Max: 64},
			// the message, encrypted, and wiped once sent or given up
			&core.TextField{Name: "payload", Hidden: true},
			&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"pending", "sent", "failed"}},
			&core.NumberField{Name: "attempts", OnlyInt: true, Min: types.Pointer(0.0)},
			&core.DateField{Name: "nextAttempt"},
			&core.TextField{Name: "lastError", Max: 500},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		outbox.AddIndex("idx_smsOutbox_status_next", false, "status, nextAttempt", "")
		outbox.AddIndex("idx_smsOutbox_ip_created", false, "ip, created", "")
		if err := app.Save(outbox); err != nil {
			return err
		}

		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		if email, ok := users.Fields.GetByName("email").(*core.EmailField); ok {
			email.Required = false
		}
		return app.Save(users)
	}, func(app core.App) error {
		for _, name := range []string{"smsCodes", "smsOutbox"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		return nil
	})
}

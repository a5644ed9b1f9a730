package quota_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/quota"
)

// A tenant may have one integration here: the check before a second
// one says which quota it would pass.
func Example() {
	ctx := context.Background()
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	q, err := quota.New(st, quota.Limits{Integrations: 1, PendingSends: 1000, PendingSendBytes: 512 << 20})
	if err != nil {
		panic(err)
	}

	for _, name := range []string{"Support", "Sales"} {
		var e *quota.ExceededError
		switch err := q.Integration(ctx, "acme"); {
		case errors.As(err, &e):
			fmt.Printf("%s refused: %s, %d of %d\n", name, e.Limit, e.Used, e.Max)
			continue
		case err != nil:
			panic(err)
		}
		_ = st.CreateIntegration(ctx, &store.Integration{TenantID: "acme", Provider: "imap", Name: name}, connector.Credentials{})
		fmt.Println(name, "created")
	}
	// Output:
	// Support created
	// Sales refused: integrations_per_tenant, 1 of 1
}

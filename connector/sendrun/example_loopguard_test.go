package sendrun_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/sendrun"
)

// An automated answer to an out-of-office notice is refused, and so is a
// second automated message to one customer within the window.
func ExampleLoopGuard() {
	ctx := context.Background()
	guard, err := sendrun.NewLoopGuard(sendrun.LoopGuardOptions{}) // one process; pass a Redis limiter for several
	if err != nil {
		panic(err)
	}
	oof := &connector.Message{Automated: connector.Automated{Kind: connector.AutomatedAutoReply, Reasons: []string{"Auto-Submitted: auto-replied"}}}
	person := &connector.Message{Automated: connector.Automated{Kind: connector.AutomatedHuman}}

	err = guard.Check(ctx, sendrun.GuardedSend{Scope: "acme/support", Key: "k1", Recipients: []string{"cy@example.org"}, Answers: oof})
	var loop *sendrun.LoopError
	if errors.As(err, &loop) {
		fmt.Println(loop.Field, "refused")
	}
	fmt.Println(guard.Check(ctx, sendrun.GuardedSend{Scope: "acme/support", Key: "k2", Recipients: []string{"ann@example.org"}, Answers: person}))
	err = guard.Check(ctx, sendrun.GuardedSend{Scope: "acme/support", Key: "k3", Recipients: []string{"ann@example.org"}})
	fmt.Println(errors.Is(err, sendrun.ErrLoop))
	// Output:
	// reply_to_message_id refused
	// <nil>
	// true
}

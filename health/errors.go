package health

import "errors"

// ErrTimeout is wrapped by [Result.Err] when a check did not return within
// its timeout, or when an earlier call of the same check has still not
// returned.
var ErrTimeout = errors.New("health: check timed out")

// ErrPanic is wrapped by [Result.Err] when a check panicked. The panic is
// recovered and logged with its stack; it never reaches the caller of
// [Registry.Run].
var ErrPanic = errors.New("health: check panicked")

// ErrDuplicateCheck is wrapped by the error [Registry.Register] returns when a
// check with the same name is already registered.
var ErrDuplicateCheck = errors.New("health: duplicate check name")

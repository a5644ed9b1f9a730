#!/usr/bin/env bash
# Follows the README's five-minute tour literally: runs the shell block
# between <!-- tour --> and <!-- /tour --> as it is written, in a fresh
# shell at the repository's root, against the mail peers (.ci/peers.sh),
# and fails unless the last command printed the message's event.
# Usage: bash .ci/newcomer.sh   (from the repo root; peers started)
set -euo pipefail
export GOTOOLCHAIN=local

# The tour's mailbox (bob) starts empty, as a newcomer's would.
curl -s --url 'imap://127.0.0.1:1143/INBOX' --user bob:bobpw -X 'STORE 1:* +FLAGS \Deleted' > /dev/null || true
curl -s --url 'imap://127.0.0.1:1143/INBOX' --user bob:bobpw -X 'EXPUNGE' > /dev/null || true

work=$(mktemp -d)
pgid=""
# The tour leaves the service running (go run and its program): stop
# the tour's whole process group at the end.
trap '[ -n "$pgid" ] && kill -TERM -- "-$pgid" 2>/dev/null; rm -rf "$work"' EXIT
awk '/<!-- tour -->/{on=1; next} /<!-- \/tour -->/{on=0} on' README.md | sed '/^```/d' > "$work/tour.sh"
[ -s "$work/tour.sh" ] || { echo "newcomer: no tour block in README.md" >&2; exit 1; }

# In a session of its own (setsid), so that its process group can be
# stopped, with the production-mode variables a CI shell may hold unset.
setsid env -u DATABASE_URL -u REDIS_URL -u PORT timeout 300 bash -euo pipefail "$work/tour.sh" > "$work/out" 2>&1 &
tour=$!
pgid=$(ps -o pgid= "$tour" | tr -d ' ')
status=0
wait "$tour" || status=$?
out=$(cat "$work/out")
[ "$status" -eq 0 ] || { echo "$out"; echo "newcomer: the tour failed ($status)" >&2; exit 1; }
echo "$out" | tail -3
echo "$out" | tail -1 | grep -q '"type":"message.received"' || { echo "newcomer: the tour did not end with the message's event" >&2; exit 1; }
rm -f service.log message.eml
echo "newcomer: the README's tour works as written"

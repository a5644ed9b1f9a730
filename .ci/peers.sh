#!/usr/bin/env bash
# Starts the mail peers the tests run against, on 127.0.0.1 only, and
# prints the variables that point tests at them:
#   - Dovecot 2.3 IMAP on :1143 (plaintext auth; CONDSTORE, QRESYNC, IDLE):
#       alice / alicepw   INBOX = 10,000 generated messages (internal/mailgen,
#                         seed 42), read-only for every test; tests make
#                         their own folders for anything they change
#       bob / bobpw       empty
#       load0001..load1000 / loadpw   empty, for the IDLE memory benchmark
#     every account has Sent, Trash, Drafts, Junk and Archive, marked with
#     their RFC 6154 special-use flags (\Sent, \Trash, \Drafts, \Junk,
#     \Archive) and created on first login
#   - Mailpit (SMTP :1025, HTTP API :8025), a fresh empty sink on every start.
# Usage: bash .ci/peers.sh [start|stop]    (idempotent; run from the repo root)
set -euo pipefail
export GOTOOLCHAIN=local

PEERS=${PEERS:-/var/tmp/ucsp-integration-peers}
IMAP_PORT=1143 SMTP_PORT=1025 HTTP_PORT=8025
MSG_COUNT=10000 MSG_SEED=42
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/ucsp-integration-ci/bin"
DC=$PEERS/dovecot MAIL=$PEERS/mail MP=$PEERS/mailpit

log() { printf '[peers] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 $(($2 * 10))); do port_open "$1" && return 0; sleep 0.1; done; return 1; }

stop_pid() { # pidfile
	[ -f "$1" ] || return 0
	local pid; pid=$(tr -dc 0-9 <"$1")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
}

install_dovecot() {
	dpkg -s dovecot-imapd >/dev/null 2>&1 && return 0
	log "installing dovecot-imapd"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null
}

configure_dovecot() {
	id vmail >/dev/null 2>&1 || useradd --system --user-group --home-dir "$MAIL" --no-create-home --shell /usr/sbin/nologin vmail
	local vuid; vuid=$(id -u vmail)
	mkdir -p "$DC"/{run,state,log} "$MAIL"
	{
		echo 'alice:{PLAIN}alicepw::::::'
		echo 'bob:{PLAIN}bobpw::::::'
		for i in $(seq -f '%04g' 1 1000); do echo "load$i:{PLAIN}loadpw::::::"; done
	} >"$DC/users"
	cat >"$DC/dovecot.conf" <<CONF
# Written by .ci/peers.sh; run with dovecot -c (ignores /etc/dovecot).
instance_name = ucsp-peers
base_dir = $DC/run
state_dir = $DC/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $DC/log/dovecot.log
first_valid_uid = $vuid
last_valid_uid = $vuid
mail_uid = vmail
mail_gid = vmail
mail_location = maildir:$MAIL/%u/Maildir
mail_max_userip_connections = 2000
default_process_limit = 2000
default_client_limit = 4000
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DC/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $DC/users
  default_fields = uid=vmail gid=vmail home=$MAIL/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
  # One login process serves many connections (1,000 idle accounts).
  service_count = 0
  process_min_avail = 2
}
service imap {
  process_limit = 2000
}
service anvil {
  client_limit = 8000
}
service auth {
  client_limit = 8000
}
protocol imap {
  mail_max_userip_connections = 2000
  imap_idle_notify_interval = 2 mins
}
CONF
}

load_mail() {
	local md=$MAIL/alice/Maildir
	if [ -f "$md/.mailgen-seed$MSG_SEED-count$MSG_COUNT" ]; then
		return 0
	fi
	log "generating alice's INBOX ($MSG_COUNT messages, seed $MSG_SEED)"
	rm -rf "$MAIL/alice"
	go run ./internal/mailgen/cmd/mailgen -maildir "$md" -count "$MSG_COUNT" -seed "$MSG_SEED" >&2
}

start_dovecot() {
	chown -R vmail:vmail "$MAIL"
	if [ -f "$DC/run/master.pid" ] && kill -0 "$(cat "$DC/run/master.pid")" 2>/dev/null && port_open $IMAP_PORT; then
		doveadm -c "$DC/dovecot.conf" reload >/dev/null 2>&1 || true
		return 0
	fi
	dovecot -c "$DC/dovecot.conf" </dev/null >/dev/null 2>&1
	wait_port $IMAP_PORT 20 || { log "dovecot did not open :$IMAP_PORT"; tail -20 "$DC/log/dovecot.log" >&2; exit 1; }
	# Warm the index so that the first test does not pay for building it.
	doveadm -c "$DC/dovecot.conf" mailbox status -u alice messages INBOX >/dev/null
}

start_mailpit() {
	mkdir -p "$MP" "$TOOLS"
	if [ ! -x "$TOOLS/mailpit" ] || [ ! -f "$TOOLS/.mailpit-v1.33.1" ]; then
		log "installing mailpit v1.33.1"
		GOBIN="$TOOLS" go install github.com/axllent/mailpit@v1.33.1
		touch "$TOOLS/.mailpit-v1.33.1"
	fi
	stop_pid "$MP/mailpit.pid"
	rm -f "$MP"/mailpit.db*
	nohup "$TOOLS/mailpit" --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$HTTP_PORT" \
		--database "$MP/mailpit.db" --max 0 --smtp-disable-rdns >"$MP/mailpit.log" 2>&1 </dev/null &
	echo $! >"$MP/mailpit.pid"
	wait_port $SMTP_PORT 20 && wait_port $HTTP_PORT 20 || { log "mailpit did not start"; cat "$MP/mailpit.log" >&2; exit 1; }
}

case "${1:-start}" in
stop)
	stop_pid "$MP/mailpit.pid"
	stop_pid "$DC/run/master.pid"
	;;
start)
	install_dovecot
	configure_dovecot
	load_mail
	start_dovecot
	start_mailpit
	echo "export TEST_IMAP_ADDR=127.0.0.1:$IMAP_PORT TEST_IMAP_USER=alice TEST_IMAP_PASSWORD=alicepw"
	echo "export TEST_SMTP_ADDR=127.0.0.1:$SMTP_PORT TEST_SMTP_API=http://127.0.0.1:$HTTP_PORT"
	;;
*)
	echo "usage: $0 [start|stop]" >&2
	exit 2
	;;
esac

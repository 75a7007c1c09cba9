#!/bin/sh
# Sets up this service's Temporal cluster on Postgres the way production does:
#
#   setup.sh schema      create both databases and bring their schemas to the
#                        server's version (temporal-sql-tool, with the schemas
#                        embedded in the server's release)
#   setup.sh namespace   register the namespace and the service's search
#                        attributes (temporal CLI, through the operator API)
#
# docker-compose.yml runs both in temporalio/admin-tools; `channel-removal
# rehearse` runs this same file with the binaries it built from source. Both
# steps are safe to run again.
set -eu

: "${POSTGRES_SEEDS:=127.0.0.1}" "${DB_PORT:=5432}" "${POSTGRES_USER:=temporal}" "${POSTGRES_PWD:=}"
: "${DBNAME:=temporal}" "${VISIBILITY_DBNAME:=temporal_visibility}"
: "${TEMPORAL_ADDRESS:=127.0.0.1:7233}" "${TEMPORAL_NAMESPACE:=default}"
# Closed runs stay readable in Temporal Web this long; the audit trail in the
# app's Postgres outlives it.
: "${NAMESPACE_RETENTION:=30d}"

schema() {
	for db in "$DBNAME:temporal" "$VISIBILITY_DBNAME:visibility"; do
		name=${db%%:*} kind=${db##*:}
		sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" --db "$name" "$@"; }
		sql create-database 2>/dev/null || echo "database $name exists"
		sql setup-schema -v 0.0
		sql update-schema --schema-name "postgresql/v12/$kind"
	done
}

namespace() {
	export TEMPORAL_ADDRESS
	ns="-n $TEMPORAL_NAMESPACE"
	tries=0
	until temporal operator cluster health >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ "$tries" -lt 120 ] || { echo "Temporal at $TEMPORAL_ADDRESS did not become healthy" >&2; exit 1; }
		sleep 1
	done
	temporal operator namespace describe $ns >/dev/null 2>&1 ||
		temporal operator namespace create $ns --retention "$NAMESPACE_RETENTION"
	# A new namespace reaches the servers' caches within seconds; until then
	# the search attribute calls say it is not found.
	for spec in ChannelId:Keyword AccountId:Keyword RemovalStatus:Keyword PurgeStatus:Keyword PurgeAt:Datetime; do
		sa=${spec%%:*} type=${spec#*:}
		tries=0
		until temporal operator search-attribute list $ns 2>/dev/null | grep -qw "$sa" ||
			temporal operator search-attribute create $ns --name "$sa" --type "$type" 2>/dev/null; do
			tries=$((tries + 1))
			[ "$tries" -lt 60 ] || { echo "could not create search attribute $sa" >&2; exit 1; }
			sleep 1
		done
	done
	echo "namespace $TEMPORAL_NAMESPACE ready with search attributes ChannelId, AccountId, RemovalStatus, PurgeStatus, PurgeAt"
}

case "${1:-}" in
schema) schema ;;
namespace) namespace ;;
*) echo "usage: $0 schema|namespace" >&2; exit 2 ;;
esac

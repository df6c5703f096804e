#!/usr/bin/env bash
# Topic ACLs and SASL/SCRAM users on Apache Kafka for Leisure Pass (see kafka-security.md).
# Runs the Kafka distribution's own tools against a broker with the StandardAuthorizer on.
#
#   KAFKA_BIN=/opt/kafka/bin BOOTSTRAP=kafka:9094 ADMIN_CONFIG=admin.properties \
#       ./kafka-acls.sh integrator city-theatre-ticketing   (reads the password from stdin)
#   ... ./kafka-acls.sh revoke city-theatre-ticketing
set -euo pipefail

KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
BOOTSTRAP=${BOOTSTRAP:?the admin listener, e.g. kafka:9094}
ADMIN_CONFIG=${ADMIN_CONFIG:?client properties of the admin user (SASL_SSL, SCRAM-SHA-512)}
# What integrators may read: no card numbers, no individual background (leisure_contracts.topics).
PUBLIC_TOPICS=(leisure.public.cards leisure.public.visits leisure.programmes leisure.venues leisure.offers)

acls() { "$KAFKA_BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" "$@"; }

case "${1:-}" in
  integrator)
    name=${2:?integrator name: lower case letters, digits and dashes}
    [[ $name =~ ^[a-z0-9][a-z0-9-]{1,62}$ ]] || { echo "bad integrator name: $name" >&2; exit 2; }
    read -r -s -p "password for $name: " password; echo
    "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --alter \
      --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]" --entity-type users --entity-name "$name"
    for topic in "${PUBLIC_TOPICS[@]}"; do
      acls --add --allow-principal "User:$name" --operation Read --operation Describe --topic "$topic"
    done
    # Its own consumer groups only, named "<integrator>.<anything>".
    acls --add --allow-principal "User:$name" --operation Read --operation Describe \
      --group "$name." --resource-pattern-type prefixed
    ;;
  revoke)
    name=${2:?integrator name}
    for topic in "${PUBLIC_TOPICS[@]}"; do
      acls --remove --force --allow-principal "User:$name" --operation Read --operation Describe --topic "$topic"
    done
    acls --remove --force --allow-principal "User:$name" --operation Read --operation Describe \
      --group "$name." --resource-pattern-type prefixed
    "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --alter \
      --delete-config SCRAM-SHA-512 --entity-type users --entity-name "$name"
    ;;
  *)
    echo "usage: $0 integrator <name> | revoke <name>" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# `etlconn test/fetch mssql|oracle` through the CLI: exit codes, clear
# errors and no secret in any output. No SQL Server, Oracle database or
# Oracle client library was available on the build machine, so these stop
# at the wire: a closed loopback port for SQL Server (FreeTDS really tries
# to connect) and the missing Oracle client library for Oracle.
. "$(dirname "$0")/lib.sh"
cd "$WORK"
CANARY="CliCanary-Pw-5e8a2c"
ALL=""
collect() { ALL="$ALL
$OUT
$ERR"; }
# A loopback port nobody listens on.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
MSSQL=(--set host=127.0.0.1 --set port="$PORT" --set database=sales --set username=etl --set password="$CANARY")

# --- discovery
run "$ETLCONN" protocols --json
expect_rc "protocols --json" 0
check "mssql and oracle are built in, aliases listed" python3 -c '
import json,sys; p={x["name"]:x for x in json.loads(sys.argv[1])}
assert p["mssql"]["built_in"] and p["oracle"]["built_in"], p
assert {"sqlserver","tds"} <= set(p["mssql"]["aliases"]), p["mssql"]' "$OUT"

# --- SQL Server: refused within the login timeout, exit 1, no canary
START=$(date +%s)
run "$ETLCONN" --log-level trace test mssql "${MSSQL[@]}" --set login_timeout=5s; collect
END=$(date +%s)
expect_rc "test mssql against a closed port" 1
contains "refused is named" "$ERR" "CONNECT_REFUSED"
contains "error names host and port" "$ERR" "127.0.0.1:$PORT"
check "fails within the login timeout" test $((END - START)) -lt 5
run "$ETLCONN" --log-level trace test sqlserver "${MSSQL[@]}" --json; collect
expect_rc "alias sqlserver, --json" 1
check "json says unhealthy with the error code" python3 -c '
import json,sys; r=json.loads(sys.argv[1]); assert r["healthy"] is False and r["error"]["code"]=="CONNECT_REFUSED", r' "$OUT"
run "$ETLCONN" --log-level trace fetch tds "${MSSQL[@]}" "SELECT 1" --lake "$WORK/lake"; collect
expect_rc "fetch through alias tds fails" 1
check "failed fetch leaves no file" test "$(file_count "$WORK/lake")" -eq 0
run env MSSQL_HOST=127.0.0.1 MSSQL_PORT="$PORT" MSSQL_DATABASE=sales MSSQL_USERNAME=etl MSSQL_PASSWORD="$CANARY" \
    "$ETLCONN" --log-level trace test mssql; collect
expect_rc "test mssql from MSSQL_* environment" 1
contains "env origin still refused" "$ERR" "CONNECT_REFUSED"

# --- SQL Server configuration errors: exit 2
run "$ETLCONN" test mssql --set host=127.0.0.1 --set password="$CANARY"; collect
expect_rc "missing required keys" 2
contains "missing database named with its env variable" "$ERR" "MSSQL_DATABASE"
contains "missing username named with its env variable" "$ERR" "MSSQL_USERNAME"
run "$ETLCONN" test mssql "${MSSQL[@]}" --set tds_version=9.9; collect
expect_rc "bad tds_version" 2
contains "bad enum names the key" "$ERR" "tds_version"
contains "bad enum lists the choices" "$ERR" "7.4"
run "$ETLCONN" test mssql "${MSSQL[@]}" --set encryption=sometimes; collect
expect_rc "bad encryption" 2
contains "bad encryption lists the choices" "$ERR" "strict"
run "$ETLCONN" test mssql "${MSSQL[@]}" --set encryption=require; collect
expect_rc "encryption=require is refused, not ignored" 1
contains "says where to set it" "$ERR" "freetds.conf"
run "$ETLCONN" fetch mssql "${MSSQL[@]}" --set host=db:1433 "SELECT 1"; collect
expect_rc "host with a port" 2
contains "host-with-port error says where the port goes" "$ERR" "port"

# --- Oracle: the missing client library is a clear error, exit 1
ORACLE=(--set host=127.0.0.1 --set port="$PORT" --set service_name=FREEPDB1 --set username=scott --set password="$CANARY")
run "$ETLCONN" --log-level trace test oracle "${ORACLE[@]}"; collect
expect_rc "test oracle with no client installed" 1
contains "missing client says what to install" "$ERR" "Instant Client Basic"
contains "missing client names LD_LIBRARY_PATH" "$ERR" "LD_LIBRARY_PATH"
contains "missing client names the option" "$ERR" "ORACLE_CLIENT_LIB"
run "$ETLCONN" --log-level trace test oracle "${ORACLE[@]}" --set client_lib="$WORK/no/such/libclntsh.so"; collect
expect_rc "test oracle with client_lib pointing nowhere" 1
contains "names the client_lib path" "$ERR" "$WORK/no/such/libclntsh.so"
run env ORACLE_CLIENT_LIB="$WORK/nowhere" ORACLE_DSN="127.0.0.1:$PORT/FREEPDB1" ORACLE_USERNAME=scott \
    ORACLE_PASSWORD="$CANARY" "$ETLCONN" --log-level trace fetch oracle "SELECT 1 FROM dual" --lake "$WORK/olake"; collect
expect_rc "fetch oracle from ORACLE_* environment" 1
contains "env client_lib used" "$ERR" "$WORK/nowhere"
check "failed oracle fetch leaves no file" test "$(file_count "$WORK/olake")" -eq 0

# --- Oracle configuration errors: exit 2
run "$ETLCONN" test oracle --set host=db --set username=scott --set password="$CANARY"; collect
expect_rc "no service_name or sid" 2
contains "names both alternatives" "$ERR" "ORACLE_SID"
run "$ETLCONN" test oracle --set dsn=db:1521/x --set service_name=x --set username=scott --set password="$CANARY"; collect
expect_rc "dsn plus service_name" 2
run "$ETLCONN" test oracle --set dsn="[::1:1521/x" --set username=scott --set password="$CANARY"; collect
expect_rc "malformed EZConnect dsn" 2
contains "malformed dsn says what is wrong" "$ERR" "IPv6"

lacks "no canary anywhere in output or logs" "$ALL" "$CANARY"
lacks "no partial canary either" "$ALL" "5e8a2c"
finish

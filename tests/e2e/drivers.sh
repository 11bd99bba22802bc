#!/bin/sh
# tests/e2e/drivers.sh: Sluice's own statements through real PostgreSQL
# drivers, which use the extended query protocol (Parse/Bind/Describe/
# Execute/Sync) where psql uses the simple one:
#   - JDBC (pgjdbc, default preferQueryMode=extended): CREATE STREAM, a
#     PreparedStatement SHOW STREAMS run past prepareThreshold (so a named
#     server-side statement), CREATE CONTINUOUS VIEW, a relayed SELECT from
#     the view after events arrived over HTTP, DROP STREAM in a transaction
#     (seen by the session, undone by rollback), an error aborting it;
#   - node-postgres: a named query, a parameterized relayed query,
#     {text: 'SHOW STREAMS', name: 'ss'} twice, queryMode: 'extended' (pg is
#     installed with npm into the test's temporary folder; that part skips,
#     saying why, when the npm registry is out of reach);
#   - psycopg2 with autocommit off (a BEGIN before every first statement):
#     SHOW STREAMS works in the transaction block; CREATE STREAM runs in it,
#     rollback() undoes it, commit() publishes it; an error aborts the
#     transaction (25P02 for the next statement, on the backend too);
#   - psql's \gdesc on SHOW statements (psql 16's \bind when available).
# Each driver's part runs only if the driver is installed (./bootstrap
# installs them); the script skips when none is.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
sl_need_clients
[ -x "$PG_BINDIR/postgres" ] || sl_skip "PostgreSQL server binaries not found in $PG_BINDIR"

JDBC_JAR=/usr/share/java/postgresql.jar
have_java=; have_py=; have_node=
command -v java >/dev/null 2>&1 && [ -f "$JDBC_JAR" ] && have_java=1
# Debian's python3-psycopg2 is for Debian's python3, which another python3
# earlier in PATH may hide.
for PY in /usr/bin/python3 python3; do
    "$PY" -c 'import psycopg2' 2>/dev/null && { have_py=1; break; }
done
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && have_node=1
[ -n "$have_java$have_py$have_node" ] ||
    sl_skip "no driver installed (default-jdk-headless libpostgresql-jdbc-java, python3-psycopg2, nodejs npm)"

pg_start
pgq -c "CREATE ROLE dana LOGIN" >/dev/null
sluiced_start --flush-interval 50
PORT=$SLUICE_PGWIRE_PORT
W=$PGTEST_DIR
nfail=0

# expect NAME EXPECTED ACTUAL
expect() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        printf '%s\n' "$2" >"$W/want"
        printf '%s\n' "$3" >"$W/got"
        diff -u "$W/want" "$W/got" || true
        fail "$1"
    fi
}

# ---- JDBC ----
if [ -n "$have_java" ]; then
    cat >"$W/Drivers.java" <<'EOF'
import java.sql.*;

public class Drivers {
    static String rows(ResultSet rs) throws SQLException {
        StringBuilder b = new StringBuilder();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            for (int i = 1; i <= n; i++)
                b.append(i > 1 ? "|" : "").append(rs.getString(i));
            b.append(";");
        }
        return b.toString();
    }
    public static void main(String[] a) throws Exception {
        Connection c = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + a[0] + "/postgres?user=postgres");
        Statement st = c.createStatement();
        st.execute("CREATE STREAM jd (k text, v integer)");
        System.out.println("update count " + st.getUpdateCount());
        PreparedStatement ps = c.prepareStatement("SHOW STREAMS");
        String last = "";
        for (int i = 0; i < 7; i++)      // past prepareThreshold (5): named
            last = rows(ps.executeQuery());
        System.out.println("show streams " + last);
        System.out.println("columns " + ps.getMetaData().getColumnName(1) + ","
                           + ps.getMetaData().getColumnName(3));
        st.execute("CREATE CONTINUOUS VIEW jd_v AS SELECT k, sum(v) AS s FROM jd GROUP BY k");
        System.out.println("views " + rows(st.executeQuery("SHOW CONTINUOUS VIEWS")));
        System.out.println("setting " + rows(st.executeQuery("SHOW sluice_version")).isEmpty());
        // CREATE TOKEN's one row over the extended protocol, and a plain
        // role's prepared SHOW STREAMS: what it may see, before and after
        // a GRANT
        ResultSet trs = c.prepareStatement("CREATE TOKEN FOR ROLE postgres").executeQuery();
        trs.next();
        System.out.println("token " + trs.getString(1).startsWith("slt_") + " "
                           + trs.getString(1).length());
        Connection d = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + a[0] + "/postgres?user=dana");
        PreparedStatement ds = d.prepareStatement("SHOW STREAMS");
        String dl = "";
        for (int i = 0; i < 7; i++)
            dl = rows(ds.executeQuery());
        System.out.println("dana sees [" + dl + "]");
        st.execute("GRANT SELECT ON STREAM jd TO dana");
        System.out.println("dana after the grant " + rows(ds.executeQuery()));
        d.close();
        try {
            st.execute("CREATE STREAM jd (k text)");
        } catch (SQLException e) {
            System.out.println("error " + e.getSQLState());
        }
        c.setAutoCommit(false);
        System.out.println("in txn " + rows(st.executeQuery("SHOW STREAMS")));
        st.execute("DROP STREAM jd CASCADE");
        System.out.println("dropped in txn [" + rows(st.executeQuery("SHOW STREAMS")) + "]");
        c.rollback();
        System.out.println("rolled back " + rows(st.executeQuery("SHOW STREAMS")));
        try {
            st.execute("CREATE STREAM jd (k text)");
        } catch (SQLException e) {
            System.out.println("error " + e.getSQLState());
        }
        try {
            st.executeQuery("SELECT 1");
        } catch (SQLException e) {
            System.out.println("then " + e.getSQLState());
        }
        c.rollback();
        c.setAutoCommit(true);
        System.out.println("ready " + a[1]);
        // the caller ingests events, then we read the view (relayed)
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        PreparedStatement q = c.prepareStatement("SELECT k, s FROM jd_v WHERE s > ? ORDER BY k");
        q.setInt(1, 1);
        System.out.println("view " + rows(q.executeQuery()));
        c.close();
    }
}
EOF
    mkfifo "$W/jin"
    java -cp "$JDBC_JAR" "$W/Drivers.java" "$PORT" x <"$W/jin" >"$W/jout" 2>&1 &
    jpid=$!
    exec 3>"$W/jin"
    i=0
    until grep -q '^ready' "$W/jout" 2>/dev/null || ! kill -0 "$jpid" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 1200 ] || break
        sleep 0.05
    done
    got=$(curl -s --data-binary '{"k":"a","v":1}
{"k":"a","v":2}
{"k":"b","v":5}' "http://$SLUICE_HTTP/v1/streams/jd")
    expect "JDBC: events into the stream it created" '{"accepted": 3}' "$got"
    echo >&3
    exec 3>&-
    wait "$jpid" || true
    expect "JDBC: DDL, prepared SHOW, view, errors, relayed SELECT" "update count 0
show streams jd|k text, v integer|0;
columns name,views
views jd_v|jd|public.jd_v|CREATE CONTINUOUS VIEW jd_v AS SELECT k, sum(v) AS s FROM jd GROUP BY k;
setting false
token true 68
dana sees []
dana after the grant jd|k text, v integer|1;
error 42P07
in txn jd|k text, v integer|1;
dropped in txn []
rolled back jd|k text, v integer|1;
error 42P07
then 25P02
ready x
view a|3;b|5;" "$(cat "$W/jout")"
else
    echo "# JDBC part skipped: java or $JDBC_JAR missing"
fi

# ---- node-postgres ----
if [ -n "$have_node" ]; then
    NODE_DIR=$W/npm
    mkdir -p "$NODE_DIR"
    if timeout 180 npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent pg \
        >"$W/npm.log" 2>&1; then
        cat >"$NODE_DIR/drivers.js" <<'EOF'
const { Client } = require('pg');
(async () => {
    const c = new Client({ host: '127.0.0.1', port: +process.argv[2], user: 'postgres',
                           database: 'postgres' });
    await c.connect();
    const out = (s) => console.log(s);
    const rows = (r) => r.rows.map((x) => Object.values(x).join('|')).join(';');
    let r = await c.query({ text: 'CREATE STREAM nd (n bigint)', name: 'mk' });
    out(`${r.command} ${r.fields.length}`);
    for (let i = 0; i < 2; i++) {
        r = await c.query({ text: 'SHOW STREAMS', name: 'ss' });
        out(`ss ${r.fields.map((f) => f.name).join(',')} ${rows(r)}`);
    }
    r = await c.query({ text: 'SHOW CONTINUOUS VIEWS', queryMode: 'extended' });
    out(`views ${r.command} ${r.rowCount}`);
    r = await c.query('SELECT $1::int + 1 AS x', [41]);
    out(`relayed ${rows(r)}`);
    r = await c.query({ text: 'SELECT $1::text AS y', values: ['z'], name: 'sel' });
    out(`relayed named ${rows(r)}`);
    try {
        await c.query({ text: 'DROP STREAM nd $1', values: [1] });
    } catch (e) {
        out(`param ${e.code}`);
    }
    try {
        await c.query({ text: 'SHOW STREAMS', values: [1] });
    } catch (e) {
        out(`param ${e.code} ${e.message}`);
    }
    r = await c.query({ text: 'DROP STREAM nd', queryMode: 'extended' });
    out(`${r.command}`);
    r = await c.query({ text: 'SHOW STREAMS', name: 'ss' });
    out(`ss ${rows(r)}`);
    await c.end();
})().catch((e) => { console.log('failed: ' + e.message); process.exit(1); });
EOF
        got=$(NODE_PATH="$NODE_DIR/node_modules" node "$NODE_DIR/drivers.js" "$PORT" 2>&1 || true)
        # (node-postgres keeps the first word of a command tag.)
    expect "node-postgres: named, parameterized, extended" "CREATE 0
ss name,columns,views jd|k text, v integer|1;nd|n bigint|0
ss name,columns,views jd|k text, v integer|1;nd|n bigint|0
views SHOW null
relayed 42
relayed named z
param 42601
param 08P01 bind message supplies 1 parameters, but prepared statement \"\" requires 0
DROP
ss jd|k text, v integer|1" "$got"
    else
        echo "# node-postgres part skipped: npm install pg failed (registry out of reach?):"
        sed 's/^/#   /' "$W/npm.log" | tail -5
    fi
else
    echo "# node-postgres part skipped: node or npm missing"
fi

# ---- psycopg2 ----
if [ -n "$have_py" ]; then
    got=$("$PY" - "$PORT" <<'EOF' 2>&1 || true
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="postgres",
                     dbname="postgres")
cur = c.cursor()
cur.execute("SHOW STREAMS")            # after psycopg2's BEGIN
print("show", [r[0] for r in cur.fetchall()], c.get_transaction_status())
cur.execute("CREATE STREAM py (a int)")
cur.execute("SHOW STREAMS")
print("in txn", sorted(r[0] for r in cur.fetchall()))
c.rollback()
cur.execute("SHOW STREAMS")
print("after rollback", sorted(r[0] for r in cur.fetchall()))
c.rollback()
cur.execute("CREATE STREAM py (a int)")
c.commit()
try:
    cur.execute("CREATE STREAM py (a int)")
except psycopg2.Error as e:
    print("dup", e.pgcode, e.pgerror.splitlines()[0])
try:
    cur.execute("SELECT 1")
except psycopg2.Error as e:
    print("next", e.pgcode)
c.rollback()
c.autocommit = True
cur.execute("SHOW STREAMS")
print("autocommit", sorted(r[0] for r in cur.fetchall()))
cur.execute("DROP STREAM py")
EOF
)
    expect "psycopg2: CREATE STREAM in its transaction, rollback(), commit(), an error aborts" \
"show ['jd'] 2
in txn ['jd', 'py']
after rollback ['jd']
dup 42P07 ERROR:  relation \"py\" already exists
next 25P02
autocommit ['jd', 'py']" "$got"
else
    echo "# psycopg2 part skipped: python3-psycopg2 missing"
fi

# ---- psql: \gdesc (and \bind, psql 16+) ----
sq() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@" 2>&1 || true; }
expect "psql \\gdesc of SHOW statements" "name|text
stream|text
relation|text
query|text
http_address|text" "$(printf 'SHOW CONTINUOUS VIEWS \\gdesc\nSHOW http_address \\gdesc\n' | sq)"
if printf '%s\n' '\bind' | psql -X -h 127.0.0.1 -p "$PORT" -U postgres 2>&1 | grep -q 'invalid command'; then
    printf '%s\n' "# psql \\bind skipped: psql $(psql -V | awk '{print $3}') has no \\bind (16+)"
else
    expect "psql \\bind on SHOW STREAMS" "jd|k text, v integer|1" \
        "$(printf 'SHOW STREAMS \\bind \\g\n' | sq)"
fi

sluiced_stop
sl_done "drivers e2e: all passed"

#!/bin/sh
# tests/e2e/stream_dml_drivers.sh: INSERT INTO a stream through real
# drivers, each on its own protocol path:
#   - node-postgres: a parameterized INSERT ($1, $2: Parse/Bind/Execute,
#     ParameterDescription typed by the stream's columns), a named one run
#     twice, a NULL parameter, and a bad value (22P02, nothing applied);
#   - psycopg2 (client-side interpolation, simple protocol) executemany
#     with autocommit on; with its default (autocommit off) an INSERT
#     counts once committed, and not when rolled back;
#   - JDBC PreparedStatement (extended protocol, typed or binary
#     parameters) and addBatch/executeBatch.
# The continuous view must count exactly what was sent.  Each part runs
# only if its driver is installed; the script skips when none is.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
sl_need_clients
[ -x "$PG_BINDIR/postgres" ] || sl_skip "PostgreSQL server binaries not found in $PG_BINDIR"

JDBC_JAR=/usr/share/java/postgresql.jar
have_java=; have_py=; have_node=
command -v java >/dev/null 2>&1 && [ -f "$JDBC_JAR" ] && have_java=1
for PY in /usr/bin/python3 python3; do
    "$PY" -c 'import psycopg2' 2>/dev/null && { have_py=1; break; }
done
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && have_node=1
[ -n "$have_java$have_py$have_node" ] ||
    sl_skip "no driver installed (default-jdk-headless libpostgresql-jdbc-java, python3-psycopg2, nodejs npm)"

pg_start
sluiced_start --flush-interval 50
PORT=$SLUICE_PGWIRE_PORT
W=$PGTEST_DIR

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
slq -c "CREATE STREAM dr (src text, n int, x float8)"
slq -c "CREATE CONTINUOUS VIEW drv AS SELECT src, count(*) AS c, sum(n) AS s, count(x) AS cx
        FROM dr GROUP BY src"
counts() { slq -c "SELECT src || ':' || c || ':' || coalesce(s, 0) || ':' || cx FROM drv WHERE src = '$1'"; }

# ---- node-postgres ----
if [ -n "$have_node" ]; then
    NODE_DIR=$W/npm
    mkdir -p "$NODE_DIR"
    if timeout 180 npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent pg \
        >"$W/npm.log" 2>&1; then
        cat >"$NODE_DIR/dml.js" <<'JS'
const { Client } = require('pg');
(async () => {
    const c = new Client({ host: '127.0.0.1', port: +process.argv[2], user: 'postgres',
                           database: 'postgres' });
    await c.connect();
    let r = await c.query('INSERT INTO dr (src, n, x) VALUES ($1, $2, $3)', ['node', 5, 0.5]);
    console.log(`${r.command} ${r.rowCount}`);
    for (let i = 0; i < 2; i++) {
        r = await c.query({ name: 'ins', text: 'INSERT INTO dr VALUES ($1, $2, $3), ($1, $2, NULL)',
                            values: ['node', 10, null] });
        console.log(`${r.command} ${r.rowCount}`);
    }
    try {
        await c.query('INSERT INTO dr VALUES ($1, $2)', ['node', 'seven']);
    } catch (e) {
        console.log(`${e.code} ${e.message}`);
    }
    r = await c.query('SELECT 1 AS one');
    console.log(`after ${r.rows[0].one}`);
    // a transaction: parameterized INSERTs count at COMMIT, not at ROLLBACK
    for (const end of ['COMMIT', 'ROLLBACK']) {
        await c.query('BEGIN');
        await c.query('INSERT INTO dr VALUES ($1, $2, $3)', ['node', 100, 1.5]);
        await c.query({ name: 'ins', values: ['node', 100, null],
                        text: 'INSERT INTO dr VALUES ($1, $2, $3), ($1, $2, NULL)' });
        r = await c.query(end);
        console.log(r.command);
    }
    await c.end();
})().catch((e) => { console.log(`error ${e.code} ${e.message}`); process.exit(1); });
JS
        got=$(NODE_PATH="$NODE_DIR/node_modules" node "$NODE_DIR/dml.js" "$PORT" 2>&1 || true)
        expect "node-postgres: parameterized INSERT INTO a stream" "INSERT 1
INSERT 2
INSERT 2
22P02 invalid input syntax for type integer: \"seven\"
after 1
COMMIT
ROLLBACK" "$got"
        expect "node-postgres: the view counted the 8 committed rows" "node:8:345:2" "$(counts node)"
    else
        echo "# node-postgres part skipped: npm install pg failed (registry out of reach?):"
        tail -n 5 "$W/npm.log" | sed 's/^/#   /'
    fi
else
    echo "# node-postgres part skipped: node or npm missing"
fi

# ---- psycopg2 ----
if [ -n "$have_py" ]; then
    cat >"$W/dml.py" <<'PY'
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="postgres", dbname="postgres")
c.autocommit = True
cur = c.cursor()
cur.executemany("INSERT INTO dr (src, n, x) VALUES (%s, %s, %s)",
                [("py", i, i / 2.0 if i % 2 else None) for i in range(100)])
print("executemany", cur.rowcount)
c.autocommit = False
cur.execute("INSERT INTO dr VALUES ('py', 1000)")
c.commit()
print("committed")
cur.execute("INSERT INTO dr VALUES ('py', 5000)")
c.rollback()
print("rolled back")
PY
    got=$("$PY" "$W/dml.py" "$PORT" 2>&1 || true)
    expect "psycopg2: executemany, then a commit and a rollback with autocommit off" "executemany 100
committed
rolled back" "$got"
    expect "psycopg2: the view counted the 101 committed rows" "py:101:5950:50" "$(counts py)"
else
    echo "# psycopg2 part skipped: python3-psycopg2 missing"
fi

# ---- JDBC ----
if [ -n "$have_java" ]; then
    cat >"$W/Dml.java" <<'JAVA'
import java.sql.*;
public class Dml {
    public static void main(String[] a) throws Exception {
        Connection c = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + a[0] + "/postgres", "postgres", "");
        PreparedStatement p = c.prepareStatement("INSERT INTO dr (src, n, x) VALUES (?, ?, ?)");
        for (int i = 0; i < 7; i++) {      // past prepareThreshold: a named statement
            p.setString(1, "jdbc");
            p.setInt(2, i);
            p.setDouble(3, 1.25);
            System.out.print(p.executeUpdate());
        }
        System.out.println();
        for (int i = 0; i < 3; i++) {
            p.setString(1, "jdbc");
            p.setInt(2, 100);
            p.setNull(3, Types.DOUBLE);
            p.addBatch();
        }
        int[] r = p.executeBatch();
        System.out.println("batch " + r.length);
        // autocommit off: each INSERT counts once its COMMIT is done (six
        // of them, past prepareThreshold for COMMIT too), not on rollback
        c.setAutoCommit(false);
        for (int i = 0; i < 7; i++) {
            p.setString(1, "jdbc");
            p.setInt(2, 1000);
            p.setDouble(3, 1.25);
            p.executeUpdate();
            if (i == 3) c.rollback(); else c.commit();
        }
        System.out.println("transactions");
        c.close();
    }
}
JAVA
    got=$(java -cp "$JDBC_JAR" "$W/Dml.java" "$PORT" 2>&1 || true)
    expect "JDBC: PreparedStatement, executeBatch, transactions" "1111111
batch 3
transactions" "$got"
    expect "JDBC: the view counted the 16 committed rows" "jdbc:16:6321:13" "$(counts jdbc)"
else
    echo "# JDBC part skipped: java or $JDBC_JAR missing"
fi

sluiced_stop
pg_stop
sl_done "stream DML through drivers: ok"

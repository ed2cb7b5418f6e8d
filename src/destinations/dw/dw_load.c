/* etlc_dw_load: lake files -> one table, in one transaction.
 *
 *   BEGIN
 *   advisory lock on (schema, table)      concurrent loads of a table queue up
 *   CREATE TABLE IF NOT EXISTS journal
 *   skip files whose sha256 the journal has for the table (append, merge)
 *   append : CREATE TABLE IF NOT EXISTS t; COPY t FROM STDIN (FORMAT binary) per file
 *   replace: CREATE TABLE new; COPY new ...; DROP t; ALTER new RENAME TO t
 *   merge  : CREATE TABLE IF NOT EXISTS t (..., PRIMARY KEY (keys)); COPY into a
 *            temp staging table; INSERT INTO t SELECT DISTINCT ON (keys) ... (last row
 *            wins) ON CONFLICT (keys) DO UPDATE ... WHERE something changed
 *   INSERT journal rows
 *   COMMIT
 *
 * Any failure (or the process dying) before COMMIT leaves the table and the
 * journal as they were. Identifiers are quoted; values only ever travel as
 * COPY data or bound parameters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/connector_internal.h"
#include "dw_internal.h"

#define COPY_CHUNK (1u << 20)

const char *etlc_dw_mode_name(etlc_dw_mode m)
{
    return m == ETLC_DW_REPLACE ? "replace" : m == ETLC_DW_MERGE ? "merge" : "append";
}

int etlc_dw_mode_parse(const char *s)
{
    if (!s) return -1;
    if (strcmp(s, "append") == 0) return ETLC_DW_APPEND;
    if (strcmp(s, "replace") == 0) return ETLC_DW_REPLACE;
    if (strcmp(s, "merge") == 0) return ETLC_DW_MERGE;
    return -1;
}

typedef struct target_col {
    char *name;
    Oid oid;
    char *type; /* format_type */
} target_col;

typedef struct load {
    dw_ctx *ctx;
    PGconn *conn;
    const etlc_dw_load_options *opts;
    etlc_dw_load_result *res;
    const char *schema, *table;
    char copy_table[64];   /* replace: the new table's name; else the table */
    target_col *cols;      /* the copy target's columns, NULL name = none yet */
    size_t ncols;
    bool target_exists;
    char **merge_cols;     /* merge: the column list of the first file */
    size_t nmerge_cols;
    uint64_t rows_done, bytes_done;
    etlc__buf sql;
} load;

static int exec_ok(load *L, const char *sql, int nparams, const char *const *params, PGresult **out,
                   const char *what, etlc_error *err)
{
    PGresult *res = PQexecParams(L->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        int rc = etlc__pg_result_error(err, L->conn, res, what);
        PQclear(res);
        return rc;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return 0;
}

static int nomem(etlc_error *err) { return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building SQL for a load"); }

static void free_cols(load *L)
{
    for (size_t i = 0; i < L->ncols; i++) {
        free(L->cols[i].name);
        free(L->cols[i].type);
    }
    free(L->cols);
    L->cols = NULL;
    L->ncols = 0;
}

/* Read the target table's columns (none: it does not exist). */
static int read_target(load *L, const char *table, etlc_error *err)
{
    free_cols(L);
    const char *p[2] = {L->schema, table};
    PGresult *res;
    int rc = exec_ok(L,
        "SELECT a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        2, p, &res, "dw: reading the table's columns", err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    L->target_exists = n > 0;
    if (n > 0 && !(L->cols = calloc((size_t)n, sizeof *L->cols))) {
        PQclear(res);
        return nomem(err);
    }
    for (int i = 0; i < n; i++) {
        L->cols[i].name = etlc__strdup(PQgetvalue(res, i, 0));
        L->cols[i].oid = (Oid)strtoul(PQgetvalue(res, i, 1), NULL, 10);
        L->cols[i].type = etlc__strdup(PQgetvalue(res, i, 2));
        L->ncols++;
        if (!L->cols[i].name || !L->cols[i].type) {
            PQclear(res);
            return nomem(err);
        }
    }
    PQclear(res);
    return 0;
}

static int create_table(load *L, const char *table, const etlc__format_reader *src, etlc_error *err)
{
    const etlc_column_def *defs;
    size_t n = etlc__format_reader_columns(src, &defs);
    etlc__buf *s = &L->sql;
    etlc__buf_reset(s);
    int bad = etlc__buf_puts(s, "CREATE TABLE ") || etlc__dw_qualified(s, L->schema, table) || etlc__buf_puts(s, " (");
    for (size_t i = 0; i < n && !bad; i++) {
        char ty[64];
        etlc__dw_pg_type_hinted(&defs[i], etlc__format_reader_hint(src, i), ty, sizeof ty);
        bad = (i && etlc__buf_puts(s, ", ")) || etlc__dw_ident(s, defs[i].name) || etlc__buf_printf(s, " %s", ty);
    }
    if (L->opts->mode == ETLC_DW_MERGE) {
        bad = bad || etlc__buf_puts(s, ", PRIMARY KEY (");
        for (size_t k = 0; k < L->opts->nkeys && !bad; k++)
            bad = (k && etlc__buf_puts(s, ", ")) || etlc__dw_ident(s, L->opts->keys[k]);
        bad = bad || etlc__buf_putc(s, ')');
    }
    if (bad || etlc__buf_putc(s, ')'))
        return nomem(err);
    int rc = exec_ok(L, s->data, 0, NULL, NULL, "dw: creating the table", err);
    if (rc == 0)
        rc = read_target(L, table, err);
    return rc;
}

/* Every file column must exist in the target with a type that takes its values. */
static int check_schema(load *L, const char *path, const etlc__format_reader *src, Oid *oids, etlc_error *err)
{
    const etlc_column_def *defs;
    size_t n = etlc__format_reader_columns(src, &defs);
    for (size_t i = 0; i < n; i++) {
        const target_col *tc = NULL;
        for (size_t j = 0; j < L->ncols && !tc; j++)
            if (strcmp(L->cols[j].name, defs[i].name) == 0)
                tc = &L->cols[j];
        if (!tc)
            return etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: column \"%s\" (%s) is not in table \"%s\".\"%s\"", path,
                                  defs[i].name, etlc_type_name(defs[i].type), L->schema, L->table);
        int hint = etlc__format_reader_hint(src, i);
        if (!etlc__dw_type_accepts_hinted(tc->oid, defs[i].type, hint)) {
            char want[64];
            etlc__dw_pg_type_hinted(&defs[i], hint, want, sizeof want);
            return etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: column \"%s\" is %s in the file but %s in table \"%s\".\"%s\" "
                                  "(a %s column would take it)", path, defs[i].name, etlc_type_name(defs[i].type),
                                  tc->type, L->schema, L->table, want);
        }
        oids[i] = tc->oid;
        for (size_t k = 0; k < i; k++)
            if (strcmp(defs[k].name, defs[i].name) == 0)
                return etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: column \"%s\" appears twice", path, defs[i].name);
    }
    return 0;
}

/* The file's rows as COPY data: a reader thread decodes and encodes them
 * (dw_copy_pipe.c) while this thread sends what it already has. */
static int send_copy_data(load *L, etlc__format_reader *src, dw_encoder *e, etlc_dw_file *f, int64_t *rows,
                          etlc_error *err)
{
    dw_pipe *pipe = NULL;
    int rc = etlc__dw_pipe_start(src, e, COPY_CHUNK, &pipe, err);
    const char *data;
    size_t len;
    uint64_t n;
    while (rc == 0 && (rc = etlc__cancel_check(L->opts->cancel, err)) == 0 &&
           (rc = etlc__dw_pipe_next(pipe, &data, &len, &n, err)) == 0 && data) {
        if (len && PQputCopyData(L->conn, data, (int)len) != 1)
            rc = etlc__pg_result_error(err, L->conn, NULL, "dw: sending COPY data");
        *rows += (int64_t)n;
        L->rows_done += n;
        if (rc == 0 && L->opts->progress)
            L->opts->progress(L->opts->progress_userdata, L->rows_done,
                              L->bytes_done + (uint64_t)f->bytes * (uint64_t)*rows /
                                                  (uint64_t)(*rows + 1));
    }
    etlc__dw_pipe_free(pipe);
    return rc;
}

/* COPY one file into `table`. */
static int copy_file(load *L, const dw_input *in, etlc_dw_file *f, const char *table, etlc_error *err)
{
    etlc__format_reader *src = NULL;
    int rc = etlc__dw_input_open(in, L->opts->batch_rows, L->ctx, &src, err);
    if (rc)
        return rc;
    const etlc_column_def *defs;
    size_t n = etlc__format_reader_columns(src, &defs);
    dw_encoder e = {.ncols = n};
    if (n == 0) {
        etlc__format_reader_free(src);
        return etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: the file has no columns", in->path);
    }
    if (!(e.oids = calloc(n, sizeof *e.oids))) {
        etlc__format_reader_free(src);
        return nomem(err);
    }
    if (!L->target_exists)
        rc = create_table(L, table, src, err), L->res->created = true;
    if (rc == 0)
        rc = check_schema(L, in->path, src, e.oids, err);
    if (rc == 0 && L->opts->mode == ETLC_DW_MERGE) {
        if (!L->merge_cols) {
            for (size_t k = 0; k < L->opts->nkeys && rc == 0; k++) {
                bool found = false;
                for (size_t i = 0; i < n; i++)
                    found = found || strcmp(defs[i].name, L->opts->keys[k]) == 0;
                if (!found)
                    rc = etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: merge key column \"%s\" is not in the file",
                                        in->path, L->opts->keys[k]);
            }
            if (rc == 0 && !(L->merge_cols = calloc(n, sizeof *L->merge_cols)))
                rc = nomem(err);
            for (size_t i = 0; rc == 0 && i < n; i++, L->nmerge_cols++)
                if (!(L->merge_cols[i] = etlc__strdup(defs[i].name)))
                    rc = nomem(err);
        } else {
            bool same = L->nmerge_cols == n;
            for (size_t i = 0; same && i < n; i++)
                same = strcmp(L->merge_cols[i], defs[i].name) == 0;
            if (!same)
                rc = etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: merge needs every file to have the same columns as the "
                                    "first one (column %zu differs)", in->path, n);
        }
    }
    etlc__buf *s = &L->sql;
    if (rc == 0) {
        etlc__buf_reset(s);
        int bad = etlc__buf_puts(s, "COPY ");
        bad = bad || (L->opts->mode == ETLC_DW_MERGE ? etlc__dw_ident(s, table) : etlc__dw_qualified(s, L->schema, table));
        bad = bad || etlc__buf_puts(s, " (");
        for (size_t i = 0; i < n && !bad; i++)
            bad = (i && etlc__buf_puts(s, ", ")) || etlc__dw_ident(s, defs[i].name);
        if (bad || etlc__buf_puts(s, ") FROM STDIN (FORMAT binary)"))
            rc = nomem(err);
    }
    PGresult *res = NULL;
    if (rc == 0) {
        res = PQexec(L->conn, s->data);
        if (PQresultStatus(res) != PGRES_COPY_IN)
            rc = etlc__pg_result_error(err, L->conn, res, "dw: starting COPY");
        PQclear(res);
    }
    bool in_copy = rc == 0;
    if (rc == 0 && etlc__dw_copy_header(&e))
        rc = nomem(err);
    int64_t rows = 0;
    if (rc == 0)
        rc = send_copy_data(L, src, &e, f, &rows, err);
    if (in_copy) {
        /* End the COPY either way; on our own error abort it so the server discards it. */
        int end = PQputCopyEnd(L->conn, rc ? "etlconn: load aborted" : NULL);
        res = PQgetResult(L->conn);
        if (rc == 0 && (end != 1 || PQresultStatus(res) != PGRES_COMMAND_OK)) {
            rc = etlc__pg_result_error(err, L->conn, res, "dw: COPY failed");
            const char *ctxt = PQresultErrorField(res, PG_DIAG_CONTEXT);
            etlc_error_prefix(err, "%s%s%s%s", in->path, ctxt ? " (" : "", ctxt ? ctxt : "", ctxt ? ")" : "");
        }
        PQclear(res);
        while ((res = PQgetResult(L->conn)))
            PQclear(res);
    }
    if (rc == 0) {
        f->rows = rows;
        L->bytes_done += (uint64_t)f->bytes;
    }
    free(e.oids);
    etlc__buf_free(&e.out);
    etlc__format_reader_free(src);
    return rc;
}

/* The table's identity: its pg_class OID, NULL when there is no such table.
 * Journal entries carry it, so a table dropped (or dropped and recreated)
 * by hand is loaded again rather than skipped. */
#define TABLE_OID_SQL "(SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = " \
                      "c.relnamespace WHERE n.nspname::text = $1 AND c.relname::text = $2 AND c.relkind IN ('r', 'p'))"

static int journal_setup(load *L, etlc_error *err)
{
    etlc__buf *s = &L->sql;
    etlc__buf_reset(s);
    if (etlc__buf_puts(s, "CREATE TABLE IF NOT EXISTS ") || etlc__dw_qualified(s, L->schema, ETLC_DW_JOURNAL_TABLE) ||
        etlc__buf_puts(s, " (table_schema text NOT NULL, table_name text NOT NULL, sha256 text NOT NULL, "
                          "file_path text NOT NULL, format text NOT NULL, mode text NOT NULL, "
                          "rows bigint NOT NULL, bytes bigint NOT NULL, "
                          "loaded_at timestamptz NOT NULL DEFAULT now(), table_oid oid, "
                          "PRIMARY KEY (table_schema, table_name, sha256))"))
        return nomem(err);
    int rc = exec_ok(L, s->data, 0, NULL, NULL, "dw: creating the load journal", err);
    etlc__buf_reset(s);
    /* A journal made before entries carried the table's identity. */
    if (rc == 0 && (etlc__buf_puts(s, "ALTER TABLE ") || etlc__dw_qualified(s, L->schema, ETLC_DW_JOURNAL_TABLE) ||
                    etlc__buf_puts(s, " ADD COLUMN IF NOT EXISTS table_oid oid")))
        return nomem(err);
    return rc ? rc : exec_ok(L, s->data, 0, NULL, NULL, "dw: upgrading the load journal", err);
}

/* Journal entries of the table as it stands now: older entries without an
 * identity are adopted while their table stands; entries of a table that
 * was dropped since are forgotten. With force, none are read (every file
 * loads again). *jres NULL: nothing journaled. */
static int journal_read(load *L, PGresult **jres, etlc_error *err)
{
    *jres = NULL;
    etlc__buf *s = &L->sql;
    const char *sp[2] = {L->schema, L->table};
    PGresult *res = NULL;
    etlc__buf_reset(s);
    if (etlc__buf_puts(s, "UPDATE ") || etlc__dw_qualified(s, L->schema, ETLC_DW_JOURNAL_TABLE) ||
        etlc__buf_puts(s, " SET table_oid = " TABLE_OID_SQL " WHERE table_schema = $1 AND table_name = $2 "
                          "AND table_oid IS NULL"))
        return nomem(err);
    int rc = exec_ok(L, s->data, 2, sp, NULL, "dw: reading the load journal", err);
    etlc__buf_reset(s);
    if (rc == 0 && (etlc__buf_puts(s, "DELETE FROM ") || etlc__dw_qualified(s, L->schema, ETLC_DW_JOURNAL_TABLE) ||
                    etlc__buf_puts(s, " WHERE table_schema = $1 AND table_name = $2 AND (table_oid IS DISTINCT FROM "
                                      TABLE_OID_SQL " OR " TABLE_OID_SQL " IS NULL)")))
        return nomem(err);
    rc = rc ? rc : exec_ok(L, s->data, 2, sp, &res, "dw: reading the load journal", err);
    if (rc == 0 && atoll(PQcmdTuples(res)) > 0)
        etlc_log(ETLC_LOG_INFO, "dw", "table %s.%s was dropped or recreated since %s file(s) were loaded into it: "
                 "they load again", L->schema, L->table, PQcmdTuples(res));
    PQclear(res);
    if (rc || L->opts->force)
        return rc;
    etlc__buf_reset(s);
    if (etlc__buf_puts(s, "SELECT sha256 FROM ") || etlc__dw_qualified(s, L->schema, ETLC_DW_JOURNAL_TABLE) ||
        etlc__buf_puts(s, " WHERE table_schema = $1 AND table_name = $2"))
        return nomem(err);
    return exec_ok(L, s->data, 2, sp, jres, "dw: reading the load journal", err);
}

static bool journaled(PGresult *res, const char *sha)
{
    for (int i = 0; res && i < PQntuples(res); i++)
        if (strcmp(PQgetvalue(res, i, 0), sha) == 0)
            return true;
    return false;
}

static int journal_write(load *L, etlc_error *err)
{
    etlc__buf *s = &L->sql;
    int rc = 0;
    const char *p[2] = {L->schema, L->table};
    if (L->opts->mode == ETLC_DW_REPLACE) {
        etlc__buf_reset(s);
        if (etlc__buf_puts(s, "DELETE FROM ") || etlc__dw_qualified(s, L->schema, ETLC_DW_JOURNAL_TABLE) ||
            etlc__buf_puts(s, " WHERE table_schema = $1 AND table_name = $2"))
            return nomem(err);
        if ((rc = exec_ok(L, s->data, 2, p, NULL, "dw: clearing the journal for replace", err)))
            return rc;
    }
    etlc__buf_reset(s);
    if (etlc__buf_puts(s, "INSERT INTO ") || etlc__dw_qualified(s, L->schema, ETLC_DW_JOURNAL_TABLE) ||
        etlc__buf_puts(s, " (table_schema, table_name, sha256, file_path, format, mode, rows, bytes, table_oid) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, " TABLE_OID_SQL ") "
                          "ON CONFLICT (table_schema, table_name, sha256) DO UPDATE SET file_path = "
                          "EXCLUDED.file_path, format = EXCLUDED.format, mode = EXCLUDED.mode, rows = EXCLUDED.rows, "
                          "bytes = EXCLUDED.bytes, loaded_at = now(), table_oid = EXCLUDED.table_oid"))
        return nomem(err);
    for (size_t i = 0; rc == 0 && i < L->res->file_count; i++) {
        const etlc_dw_file *f = &L->res->files[i];
        if (f->skipped)
            continue;
        char rows[32], bytes[32];
        snprintf(rows, sizeof rows, "%lld", (long long)f->rows);
        snprintf(bytes, sizeof bytes, "%lld", (long long)f->bytes);
        const char *v[8] = {L->schema, L->table, f->sha256, f->path, f->format, L->res->mode, rows, bytes};
        rc = exec_ok(L, s->data, 8, v, NULL, "dw: writing the load journal", err);
    }
    return rc;
}

/* replace: swap the new table in (inside the transaction). */
static int swap_in(load *L, etlc_error *err)
{
    etlc__buf *s = &L->sql;
    etlc__buf_reset(s);
    if (etlc__buf_puts(s, "DROP TABLE IF EXISTS ") || etlc__dw_qualified(s, L->schema, L->table) ||
        etlc__buf_puts(s, "; ALTER TABLE ") || etlc__dw_qualified(s, L->schema, L->copy_table) ||
        etlc__buf_puts(s, " RENAME TO ") || etlc__dw_ident(s, L->table))
        return nomem(err);
    PGresult *res = PQexec(L->conn, s->data);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : etlc__pg_result_error(err, L->conn, res, "dw: swapping in the new table");
    PQclear(res);
    return rc;
}

static int merge_stage(load *L, etlc_error *err)
{
    etlc__buf *s = &L->sql;
    etlc__buf_reset(s);
    if (etlc__buf_puts(s, "CREATE TEMP TABLE ") || etlc__dw_ident(s, L->copy_table) || etlc__buf_puts(s, " (LIKE ") ||
        etlc__dw_qualified(s, L->schema, L->table) ||
        etlc__buf_puts(s, ") ON COMMIT DROP; ALTER TABLE ") || etlc__dw_ident(s, L->copy_table) ||
        etlc__buf_puts(s, " ADD COLUMN etlconn_ord bigint GENERATED ALWAYS AS IDENTITY"))
        return nomem(err);
    PGresult *res = PQexec(L->conn, s->data);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : etlc__pg_result_error(err, L->conn, res, "dw: creating the staging table");
    PQclear(res);
    return rc;
}

static int merge_apply(load *L, etlc_error *err)
{
    etlc__buf *s = &L->sql;
    etlc__buf_reset(s);
    int bad = etlc__buf_puts(s, "INSERT INTO ") || etlc__dw_qualified(s, L->schema, L->table) || etlc__buf_puts(s, " AS t (");
    for (size_t i = 0; i < L->nmerge_cols && !bad; i++)
        bad = (i && etlc__buf_puts(s, ", ")) || etlc__dw_ident(s, L->merge_cols[i]);
    bad = bad || etlc__buf_puts(s, ") SELECT DISTINCT ON (");
    for (size_t k = 0; k < L->opts->nkeys && !bad; k++)
        bad = (k && etlc__buf_puts(s, ", ")) || etlc__dw_ident(s, L->opts->keys[k]);
    bad = bad || etlc__buf_puts(s, ") ");
    for (size_t i = 0; i < L->nmerge_cols && !bad; i++)
        bad = (i && etlc__buf_puts(s, ", ")) || etlc__dw_ident(s, L->merge_cols[i]);
    bad = bad || etlc__buf_puts(s, " FROM ") || etlc__dw_ident(s, L->copy_table) || etlc__buf_puts(s, " ORDER BY ");
    for (size_t k = 0; k < L->opts->nkeys && !bad; k++)
        bad = etlc__dw_ident(s, L->opts->keys[k]) || etlc__buf_puts(s, ", ");
    bad = bad || etlc__buf_puts(s, "etlconn_ord DESC ON CONFLICT (");
    for (size_t k = 0; k < L->opts->nkeys && !bad; k++)
        bad = (k && etlc__buf_puts(s, ", ")) || etlc__dw_ident(s, L->opts->keys[k]);
    bad = bad || etlc__buf_puts(s, ") DO ");
    size_t nset = 0;
    etlc__buf bare = {0}, lhs = {0}, rhs = {0};
    for (size_t i = 0; i < L->nmerge_cols && !bad; i++) {
        bool key = false;
        for (size_t k = 0; k < L->opts->nkeys; k++)
            key = key || strcmp(L->opts->keys[k], L->merge_cols[i]) == 0;
        if (key)
            continue;
        const char *sep = nset ? ", " : "";
        bad = etlc__buf_puts(&bare, sep) || etlc__dw_ident(&bare, L->merge_cols[i]) ||
              etlc__buf_printf(&lhs, "%st.", sep) || etlc__dw_ident(&lhs, L->merge_cols[i]) ||
              etlc__buf_printf(&rhs, "%sEXCLUDED.", sep) || etlc__dw_ident(&rhs, L->merge_cols[i]);
        nset++;
    }
    /* Only rows whose values change are rewritten: re-merging the same data
     * leaves every row (and its xmin) untouched. */
    if (!bad && nset == 0)
        bad = etlc__buf_puts(s, "NOTHING");
    else if (!bad)
        bad = etlc__buf_printf(s, "UPDATE SET (%s) = ROW(%s) WHERE (%s) IS DISTINCT FROM (%s)", bare.data, rhs.data,
                               lhs.data, rhs.data);
    etlc__buf_free(&bare);
    etlc__buf_free(&lhs);
    etlc__buf_free(&rhs);
    if (bad)
        return nomem(err);
    PGresult *res;
    int rc = exec_ok(L, s->data, 0, NULL, &res, "dw: merging the staged rows", err);
    if (rc == 0) {
        L->res->rows_affected = strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
    }
    return rc;
}

static int check_options(const etlc_dw_load_options *o, etlc_error *err)
{
    if (!o || !o->table || !*o->table || strlen(o->table) > 63)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "dw load: a table name of 1 to 63 bytes is required");
    /* "public.orders" would become one table named so, in the configured schema */
    const char *dot = strchr(o->table, '.');
    if (dot)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "dw load: table '%s' has a dot; the schema comes from the dw option 'schema' "
                              "(DW_SCHEMA): give '%s' with schema=%.*s", o->table, dot + 1,
                              (int)(dot - o->table), o->table);
    if ((int)o->mode < ETLC_DW_APPEND || o->mode > ETLC_DW_MERGE)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "dw load: unknown mode %d", (int)o->mode);
    if (o->mode == ETLC_DW_MERGE && o->nkeys == 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "dw load: merge needs at least one key column (--key)");
    if (o->mode != ETLC_DW_MERGE && o->nkeys)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "dw load: key columns only apply to merge");
    return 0;
}

void etlc_dw_load_result_free(etlc_dw_load_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->file_count; i++) {
        free(r->files[i].path);
        free(r->files[i].format);
        free(r->files[i].reason);
    }
    free(r->files);
    free(r->schema);
    free(r->table);
    free(r->mode);
    free(r);
}

int etlc_dw_load(etlc_connector *dw, const char *const *paths, size_t npaths, const etlc_dw_load_options *opts,
                 etlc_dw_load_result **result, etlc_error *err)
{
    *result = NULL;
    if (!dw || etlc_connector_ops_of(dw) != &etlc_connector_dw)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_dw_load needs a dw connector");
    return etlc__dw_load(dw->ctx, paths, npaths, opts, result, err);
}

int etlc__dw_load(dw_ctx *ctx, const char *const *paths, size_t npaths, const etlc_dw_load_options *opts,
                  etlc_dw_load_result **result, etlc_error *err)
{
    *result = NULL;
    int rc = check_options(opts, err);
    if (rc)
        return rc;
    if (npaths == 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "dw load: no files given");
    load L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.opts = opts;
    L.schema = L.ctx->schema;
    L.table = opts->table;
    dw_input *inputs = NULL;
    size_t ninputs = 0;
    if ((rc = etlc__dw_collect(paths, npaths, &inputs, &ninputs, err)))
        return rc;
    etlc_dw_load_result *R = calloc(1, sizeof *R);
    if (!R || (ninputs && !(R->files = calloc(ninputs, sizeof *R->files)))) {
        free(R);
        etlc__dw_inputs_free(inputs, ninputs);
        return nomem(err);
    }
    L.res = R;
    R->started_at_us = etlc_now_us();
    R->schema = etlc__strdup(L.schema);
    R->table = etlc__strdup(L.table);
    R->mode = etlc__strdup(etlc_dw_mode_name(opts->mode));
    if (!R->schema || !R->table || !R->mode)
        rc = nomem(err);
    for (size_t i = 0; rc == 0 && i < ninputs; i++, R->file_count++) {
        etlc_dw_file *f = &R->files[i];
        f->path = etlc__strdup(inputs[i].path);
        f->format = etlc__strdup(inputs[i].format);
        if (!f->path || !f->format)
            rc = nomem(err);
        else
            rc = etlc__dw_file_sha256(f->path, f->sha256, &f->bytes, err);
    }
    if (rc == 0 && ninputs == 0)
        rc = etlc_error_set(err, ETLC_IO_NOT_FOUND, "dw load: no .parquet, .jsonl or .csv files under the given paths");
    if (rc == 0)
        rc = etlc__dw_conn(L.ctx, &L.conn, err);
    if (rc == 0) {
        PGresult *res = PQexec(L.conn, "BEGIN");
        rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : etlc__pg_result_error(err, L.conn, res, "dw: BEGIN");
        PQclear(res);
    }
    const char *sp[2] = {L.schema, L.table};
    PGresult *jres = NULL;
    if (rc == 0) {
        PGresult *res;
        rc = exec_ok(&L, "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1", 1, sp, &res,
                     "dw: looking up the schema", err);
        if (rc == 0 && PQgetvalue(res, 0, 0)[0] == '0')
            rc = etlc_error_set(err, ETLC_CONNECT_NOT_FOUND, "dw: schema \"%s\" does not exist in database %s "
                                "(set DW_SCHEMA or create it)", L.schema, L.ctx->database ? L.ctx->database : "?");
        if (res)
            PQclear(res);
    }
    if (rc == 0)
        rc = exec_ok(&L, "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('etlconn.load'), "
                         "pg_catalog.hashtext($1 || '.' || $2))", 2, sp, NULL, "dw: locking the table for the load", err);
    if (rc == 0)
        rc = journal_setup(&L, err);
    if (rc == 0)
        rc = journal_read(&L, &jres, err);
    /* Which files to apply. */
    for (size_t i = 0; rc == 0 && i < R->file_count; i++) {
        etlc_dw_file *f = &R->files[i];
        for (size_t j = 0; j < i && !f->skipped; j++)
            if (!R->files[j].skipped && strcmp(R->files[j].sha256, f->sha256) == 0) {
                f->skipped = true;
                etlc__buf b = {0};
                etlc__buf_printf(&b, "same content as %s", R->files[j].path);
                f->reason = etlc__buf_take(&b);
            }
        if (!f->skipped && opts->mode != ETLC_DW_REPLACE && journaled(jres, f->sha256)) {
            f->skipped = true;
            f->reason = etlc__strdup("already loaded into this table (load journal)");
        }
    }
    PQclear(jres);
    /* Where rows go. */
    if (rc == 0) {
        if (opts->mode == ETLC_DW_REPLACE) {
            snprintf(L.copy_table, sizeof L.copy_table, "etlconn_new_%ld", (long)getpid());
            L.target_exists = false;
            R->created = true;
        } else {
            snprintf(L.copy_table, sizeof L.copy_table, "%s", L.table);
            rc = read_target(&L, L.table, err);
        }
    }
    if (rc == 0 && opts->mode == ETLC_DW_MERGE) {
        /* The real table must exist (with its key) before staging is made LIKE it. */
        dw_input *first = NULL;
        for (size_t i = 0; i < R->file_count && !first; i++)
            if (!R->files[i].skipped)
                first = &inputs[i];
        if (first && !L.target_exists) {
            etlc__format_reader *src = NULL;
            rc = etlc__dw_input_open(first, opts->batch_rows, L.ctx, &src, err);
            if (rc == 0)
                rc = create_table(&L, L.table, src, err);
            R->created = true;
            etlc__format_reader_free(src);
        }
        if (first && rc == 0) {
            snprintf(L.copy_table, sizeof L.copy_table, "etlconn_stage_%ld", (long)getpid());
            /* The staging table is LIKE the real one: the column checks use the real table's columns. */
            rc = merge_stage(&L, err);
        }
    }
    for (size_t i = 0; rc == 0 && i < R->file_count; i++) {
        etlc_dw_file *f = &R->files[i];
        if (f->skipped) {
            R->files_skipped++;
            etlc_log(ETLC_LOG_INFO, "dw", "skipping %s: %s", f->path, f->reason ? f->reason : "");
            continue;
        }
        rc = copy_file(&L, &inputs[i], f, L.copy_table, err);
        if (rc == 0) {
            R->files_loaded++;
            R->rows_loaded += f->rows;
            R->bytes_loaded += f->bytes;
        }
    }
    R->rows_affected = R->rows_loaded;
    if (rc == 0 && opts->mode == ETLC_DW_REPLACE) {
        if (R->files_loaded == 0)
            rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "dw load: replace needs at least one file with content");
        else
            rc = swap_in(&L, err);
    }
    if (rc == 0 && opts->mode == ETLC_DW_MERGE && R->files_loaded)
        rc = merge_apply(&L, err);
    if (rc == 0)
        rc = journal_write(&L, err);
    if (rc == 0) {
        PGresult *res = PQexec(L.conn, "COMMIT");
        rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : etlc__pg_result_error(err, L.conn, res, "dw: COMMIT");
        PQclear(res);
    } else if (L.conn && PQstatus(L.conn) == CONNECTION_OK && PQtransactionStatus(L.conn) != PQTRANS_IDLE) {
        PQclear(PQexec(L.conn, "ROLLBACK"));
    }
    R->finished_at_us = etlc_now_us();
    free_cols(&L);
    for (size_t i = 0; i < L.nmerge_cols; i++)
        free(L.merge_cols[i]);
    free(L.merge_cols);
    etlc__buf_free(&L.sql);
    etlc__dw_inputs_free(inputs, ninputs);
    if (rc) {
        etlc_dw_load_result_free(R);
        return rc;
    }
    *result = R;
    return 0;
}

int etlc_dw_load_result_to_json(const etlc_dw_load_result *r, bool pretty, char **json, etlc_error *err)
{
    etlc__buf b = {0};
    const char *nl = pretty ? "\n  " : "", *nl2 = pretty ? "\n    " : "";
    char t0[48], t1[48];
    etlc_format_timestamp(r->started_at_us, t0, sizeof t0);
    etlc_format_timestamp(r->finished_at_us, t1, sizeof t1);
    int bad = etlc__buf_printf(&b, "{%s\"protocol\": \"dw\",%s\"status\": \"success\",%s\"schema\": ", nl, nl, nl) ||
              etlc__buf_json_string(&b, r->schema, strlen(r->schema)) || etlc__buf_printf(&b, ",%s\"table\": ", nl) ||
              etlc__buf_json_string(&b, r->table, strlen(r->table)) ||
              etlc__buf_printf(&b, ",%s\"mode\": \"%s\",%s\"created\": %s,%s\"files_loaded\": %zu,%s\"files_skipped\": %zu,"
                               "%s\"rows_loaded\": %lld,%s\"rows_affected\": %lld,%s\"bytes_loaded\": %lld,"
                               "%s\"started_at\": \"%s\",%s\"finished_at\": \"%s\",%s\"files\": [",
                               nl, r->mode, nl, r->created ? "true" : "false", nl, r->files_loaded, nl, r->files_skipped,
                               nl, (long long)r->rows_loaded, nl, (long long)r->rows_affected, nl, (long long)r->bytes_loaded,
                               nl, t0, nl, t1, nl);
    for (size_t i = 0; i < r->file_count && !bad; i++) {
        const etlc_dw_file *f = &r->files[i];
        bad = etlc__buf_printf(&b, "%s%s{\"path\": ", i ? "," : "", nl2) ||
              etlc__buf_json_string(&b, f->path, strlen(f->path)) ||
              etlc__buf_printf(&b, ", \"format\": \"%s\", \"sha256\": \"%s\", \"bytes\": %lld, \"rows\": %lld, "
                               "\"skipped\": %s, \"reason\": ", f->format, f->sha256, (long long)f->bytes,
                               (long long)f->rows, f->skipped ? "true" : "false") ||
              (f->reason ? etlc__buf_json_string(&b, f->reason, strlen(f->reason)) : etlc__buf_puts(&b, "null")) ||
              etlc__buf_putc(&b, '}');
    }
    bad = bad || etlc__buf_printf(&b, "%s]%s}", r->file_count ? nl : "", pretty ? "\n" : "");
    if (bad) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering the load result");
    }
    *json = etlc__buf_take(&b);
    return 0;
}

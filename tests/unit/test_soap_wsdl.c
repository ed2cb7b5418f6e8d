/* The soap connector's WSDL, envelope and response code without a server:
 * an rpc/literal SOAP 1.2 WSDL whose types come through wsdl:import and an
 * xsd:include cycle (each document read once), operation lookup (action,
 * version, style, endpoint), envelopes in schema order with typed and
 * escaped values and a WS-Security UsernameToken, where the rows are, and
 * the streaming reader: rows pushed byte by byte, xsi:nil, whitespace
 * around typed values, SOAP 1.2 faults, DTDs and unknown entities refused. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/soap/soap_internal.h"

static const char wsdl_main[] =
    "<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" xmlns:s12=\"http://schemas.xmlsoap.org/wsdl/soap12/\""
    " xmlns:t=\"urn:t\" targetNamespace=\"urn:t\">"
    "<import namespace=\"urn:t\" location=\"sub/types.wsdl\"/>"
    "<message name=\"ListIn\"><part name=\"shop\" type=\"xs:string\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>"
    "<part name=\"limit\" type=\"xs:int\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>"
    "<part name=\"open\" type=\"xs:boolean\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/></message>"
    "<message name=\"ListOut\"><part name=\"items\" type=\"t:ItemList\"/></message>"
    "<portType name=\"PT\"><operation name=\"List\"><input message=\"t:ListIn\"/>"
    "<output message=\"t:ListOut\"/></operation></portType>"
    "<binding name=\"B\" type=\"t:PT\"><s12:binding style=\"rpc\"/>"
    "<operation name=\"List\"><s12:operation soapAction=\"urn:t#List\"/>"
    "<input><s12:body use=\"literal\" namespace=\"urn:t:rpc\"/></input></operation></binding>"
    "<service name=\"S\"><port name=\"P\" binding=\"t:B\"><s12:address location=\"http://h:1/svc\"/></port></service>"
    "</definitions>";
static const char wsdl_sub[] =
    "<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"urn:t\"><types>"
    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:t\">"
    "<xs:include schemaLocation=\"a.xsd\"/></xs:schema></types></definitions>";
static const char xsd_a[] =
    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:t=\"urn:t\" targetNamespace=\"urn:t\">"
    "<xs:include schemaLocation=\"b.xsd\"/>"
    "<xs:complexType name=\"ItemList\"><xs:sequence>"
    "<xs:element name=\"item\" type=\"t:Item\" maxOccurs=\"unbounded\"/></xs:sequence></xs:complexType>"
    "</xs:schema>";
static const char xsd_b[] = /* includes a.xsd back: a cycle, read once */
    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:t=\"urn:t\">"
    "<xs:include schemaLocation=\"a.xsd\"/>"
    "<xs:simpleType name=\"Cents\"><xs:restriction base=\"xs:long\"/></xs:simpleType>"
    "<xs:complexType name=\"Item\"><xs:sequence><xs:element name=\"sku\" type=\"xs:string\"/>"
    "<xs:element name=\"cents\" type=\"t:Cents\"/><xs:element name=\"at\" type=\"xs:dateTime\"/>"
    "<xs:element name=\"day\" type=\"xs:date\"/><xs:element name=\"ok\" type=\"xs:boolean\"/>"
    "</xs:sequence></xs:complexType></xs:schema>";

typedef struct fixture {
    char *dir;
    soap_wsdl w;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char p[4200];
    f->dir = tu_tempdir("soap-wsdl");
    snprintf(p, sizeof p, "%s/sub", f->dir);
    assert_int_equal(etlc__mkdirs(p, 0755), 0);
    const char *files[][2] = {{"main.wsdl", wsdl_main}, {"sub/types.wsdl", wsdl_sub},
                              {"sub/a.xsd", xsd_a}, {"sub/b.xsd", xsd_b}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i][0]);
        assert_int_equal(tu_write_file(p, files[i][1]), 0);
    }
    soap_loader ld = {.max_size = 1 << 20, .max_depth = 8};
    etlc_error err = {0};
    snprintf(p, sizeof p, "%s/main.wsdl", f->dir);
    int rc = etlc__soap_wsdl_load(&f->w, &ld, p, &err);
    if (rc)
        fprintf(stderr, "load: %s\n", err.message);
    assert_int_equal(rc, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    etlc__soap_wsdl_free(&f->w);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void test_imports_and_operation(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->w.ndocs, 4); /* the include cycle does not read a.xsd twice */
    soap_operation op;
    etlc_error err = {0};
    soap_pick pick = {0};
    assert_int_equal(etlc__soap_operation(&f->w, &pick, "List", &op, &err), 0);
    assert_true(op.rpc);
    assert_int_equal(op.version, 12);
    assert_string_equal((const char *)op.action, "urn:t#List");
    assert_string_equal((const char *)op.endpoint, "http://h:1/svc");
    assert_string_equal((const char *)op.rpc_ns, "urn:t:rpc");
    assert_int_equal(etlc__soap_operation(&f->w, &pick, "Nope", &op, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "the port has: List"));
    soap_pick v11 = {.version = 11};
    assert_int_equal(etlc__soap_operation(&f->w, &v11, "List", &op, &err), ETLC_CONFIG);
}

static void test_envelope(void **state)
{
    fixture *f = *state;
    soap_operation op;
    etlc_error err = {0};
    soap_pick pick = {0};
    assert_int_equal(etlc__soap_operation(&f->w, &pick, "List", &op, &err), 0);
    soap_field *in = NULL;
    size_t nin = 0;
    assert_int_equal(etlc__soap_input_fields(&f->w, &op, &in, &nin, &err), 0);
    assert_int_equal(nin, 3);
    etlc_kv kv[] = {{"open", "1"}, {"shop", "A&B <north>"}, {"limit", "10"}}; /* any order in */
    soap_security sec = {"u<1>", "pw&\"x\""};
    etlc__buf b = {0};
    assert_int_equal(etlc__soap_envelope(&op, in, nin, kv, 3, &sec, &b, &err), 0);
    const char *want =
        "<soap:Envelope xmlns:soap=\"" SOAP_NS_12 "\"><soap:Header><wsse:Security xmlns:wsse="
        "\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\">"
        "<wsse:UsernameToken><wsse:Username>u&lt;1&gt;</wsse:Username><wsse:Password Type=\""
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText\">"
        "pw&amp;&quot;x&quot;</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header>"
        "<soap:Body><p:List xmlns:p=\"urn:t:rpc\"><shop>A&amp;B &lt;north&gt;</shop><limit>10</limit>"
        "<open>true</open></p:List></soap:Body></soap:Envelope>";
    assert_non_null(strstr(b.data, want)); /* schema order out, boolean normalised */
    etlc__buf_free(&b);
    etlc_kv bad_int[] = {{"limit", "ten"}};
    assert_int_equal(etlc__soap_envelope(&op, in, nin, bad_int, 1, NULL, &b, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "xsd:int"));
    etlc__buf_free(&b);
    etlc_kv ctl[] = {{"shop", "a\001b"}};
    assert_int_equal(etlc__soap_envelope(&op, in, nin, ctl, 1, NULL, &b, &err), ETLC_INVALID_ARGUMENT);
    etlc__buf_free(&b);
    etlc_kv unknown[] = {{"shopp", "x"}};
    assert_int_equal(etlc__soap_envelope(&op, in, nin, unknown, 1, NULL, &b, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "shop, limit, open"));
    etlc__buf_free(&b);
    free(in);
    etlc__buf c = {0};
    assert_int_equal(etlc__soap_value(&c, "dateTime", "2026-13-01T00:00:00Z"), -1);
    assert_int_equal(etlc__soap_value(&c, "decimal", "1e5"), -1);
    assert_int_equal(etlc__soap_value(&c, "decimal", "-12.50"), 0);
    etlc__buf_free(&c);
}

typedef struct got {
    int64_t cents_sum;
    size_t rows, batches, finals, nulls;
} got;

static int on_batch(void *ud, etlc_batch *b, bool final, etlc_error *err)
{
    got *g = ud;
    (void)err;
    assert_int_equal(b->ncols, 5);
    assert_int_equal(b->cols[1].def.type, ETLC_TYPE_INT64); /* Cents restricts xs:long */
    assert_int_equal(b->cols[3].def.type, ETLC_TYPE_DATE);
    for (size_t r = 0; r < b->nrows; r++) {
        g->cents_sum += b->cols[1].fixed.i64[r];
        g->nulls += b->cols[0].nulls[r] != 0;
    }
    g->rows += b->nrows;
    g->batches++;
    g->finals += final;
    etlc_batch_reset(b);
    return 0;
}

static soap_rowspec rowspec(fixture *f)
{
    soap_operation op;
    etlc_error err = {0};
    soap_pick pick = {0};
    soap_rowspec rs;
    assert_int_equal(etlc__soap_operation(&f->w, &pick, "List", &op, &err), 0);
    assert_int_equal(etlc__soap_rowspec(&f->w, &op, NULL, &rs, &err), 0);
    assert_int_equal(rs.depth, 3); /* ListResponse / items / item */
    assert_string_equal((const char *)rs.path[2], "item");
    return rs;
}

#define ITEM(sku, cents) "<item><sku>" sku "</sku><cents> " #cents " </cents>" \
    "<at>2026-02-03T04:05:06Z</at><day>2026-02-03</day><ok>1</ok></item>"

static void test_reader_rows(void **state)
{
    soap_rowspec rs = rowspec(*state);
    const char *body = "<e:Envelope xmlns:e=\"" SOAP_NS_12 "\" xmlns:xsi=\"http://www.w3.org/2001/"
                       "XMLSchema-instance\"><e:Body><r:ListResponse xmlns:r=\"urn:t:rpc\"><items>"
                       ITEM("a", 1) ITEM("b&amp;c", 20) "<item><sku xsi:nil=\"true\"/><cents>300</cents>"
                       "<at>2026-02-03T04:05:06+01:00</at><day>2026-02-03</day><ok>false</ok></item>"
                       "</items></r:ListResponse></e:Body></e:Envelope>";
    got g = {0};
    soap_reader *r = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__soap_reader_new(&rs, 2, on_batch, &g, &r, &err), 0);
    for (size_t i = 0; body[i]; i++) /* byte by byte: nothing depends on chunking */
        assert_int_equal(etlc__soap_reader_push(r, &body[i], 1, &err), 0);
    assert_int_equal(etlc__soap_reader_finish(r, &err), 0);
    etlc__soap_reader_free(r);
    assert_int_equal(g.rows, 3);
    assert_int_equal(g.cents_sum, 321);
    assert_int_equal(g.nulls, 1);
    assert_int_equal(g.batches, 2); /* a full batch of 2, then the final one */
    assert_int_equal(g.finals, 1);

    /* rows filling the last batch exactly: one final page, no empty one after it */
    got g3 = {0};
    assert_int_equal(etlc__soap_reader_new(&rs, 3, on_batch, &g3, &r, &err), 0);
    assert_int_equal(etlc__soap_reader_push(r, body, strlen(body), &err), 0);
    assert_int_equal(etlc__soap_reader_finish(r, &err), 0);
    etlc__soap_reader_free(r);
    assert_int_equal(g3.rows, 3);
    assert_int_equal(g3.batches, 1);
    assert_int_equal(g3.finals, 1);

    /* a value that does not fit its type names the row and column */
    const char *bad = "<e:Envelope xmlns:e=\"" SOAP_NS_11 "\"><e:Body><x:R xmlns:x=\"u\"><items>"
                      "<item><cents>12x</cents></item></items></x:R></e:Body></e:Envelope>";
    assert_int_equal(etlc__soap_reader_new(&rs, 2, on_batch, &g, &r, &err), 0);
    int rc = etlc__soap_reader_push(r, bad, strlen(bad), &err);
    if (rc == 0)
        rc = etlc__soap_reader_finish(r, &err);
    assert_int_equal(rc, ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "row 1, column cents"));
    etlc__soap_reader_free(r);
    etlc__soap_rowspec_free(&rs);
}

static int parse_all(const soap_rowspec *rs, const char *body, etlc_error *err)
{
    got g = {0};
    soap_reader *r = NULL;
    assert_int_equal(etlc__soap_reader_new(rs, 10, on_batch, &g, &r, err), 0);
    int rc = etlc__soap_reader_push(r, body, strlen(body), err);
    if (rc == 0)
        rc = etlc__soap_reader_finish(r, err);
    etlc__soap_reader_free(r);
    return rc;
}

static void test_reader_faults_and_refusals(void **state)
{
    soap_rowspec rs = rowspec(*state);
    etlc_error err = {0};
    const char *f12 = "<e:Envelope xmlns:e=\"" SOAP_NS_12 "\"><e:Body><e:Fault><e:Code><e:Value>"
                      "e:Sender</e:Value><e:Subcode><e:Value>x:Late</e:Value></e:Subcode></e:Code>"
                      "<e:Reason><e:Text xml:lang=\"en\">too late</e:Text></e:Reason></e:Fault>"
                      "</e:Body></e:Envelope>";
    assert_int_equal(parse_all(&rs, f12, &err), ETLC_QUERY);
    assert_string_equal(err.message, "SOAP Fault e:Sender/x:Late: too late"); /* subcodes after a '/' */
    assert_int_equal(etlc__soap_fault_of(f12, strlen(f12), &err), ETLC_QUERY);
    assert_int_equal(etlc__soap_fault_of("<html>502</html>", 16, &err), 0);
    const char *dtd = "<!DOCTYPE e [<!ENTITY x \"boom\">]><e:Envelope xmlns:e=\"" SOAP_NS_11
                      "\"><e:Body>&x;</e:Body></e:Envelope>";
    assert_int_equal(parse_all(&rs, dtd, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "DTD"));
    const char *ent = "<e:Envelope xmlns:e=\"" SOAP_NS_11 "\"><e:Body>&ext;</e:Body></e:Envelope>";
    assert_int_equal(parse_all(&rs, ent, &err), ETLC_PROTOCOL);
    assert_int_equal(parse_all(&rs, "<html/>", &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "not a SOAP envelope"));
    const char *cut = "<e:Envelope xmlns:e=\"" SOAP_NS_11 "\"><e:Body><x:R xmlns:x=\"u\">";
    assert_int_equal(parse_all(&rs, cut, &err), ETLC_PROTOCOL);
    etlc__soap_rowspec_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imports_and_operation),
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_reader_rows),
        cmocka_unit_test(test_reader_faults_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

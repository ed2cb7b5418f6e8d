/* Keep-alive GET loop for bench/rest_requests.sh: N requests for one path
 * through one http connector (one libcurl session), the body of each
 * counted, then one summary line written to OUT for pairs.py --verify:
 *     http_requests BASE_URL PATH N OUT
 * prints "requests=N ok=K bytes=B" (ok = 2xx replies). */
#include <stdio.h>
#include <stdlib.h>

#include "etlconn/etlconn.h"
#include "etlconn/http.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: http_requests BASE_URL PATH N OUT\n");
        return 2;
    }
    long n = atol(argv[3]), ok = 0;
    unsigned long long bytes = 0;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    etlc_kv cfg[] = {{"base_url", argv[1]}};
    etlc_config_sources src = {.dict = cfg, .dict_len = 1};
    if (etlc_get_connection("http", &src, NULL, &c, &err) != 0) {
        fprintf(stderr, "http_requests: %s\n", err.message);
        return 1;
    }
    etlc_http_request_options rq = {.path = argv[2]};
    for (long i = 0; i < n; i++) {
        etlc_http_response *resp;
        if (etlc_http_request(c, &rq, &resp, &err) != 0) {
            fprintf(stderr, "http_requests: request %ld: %s\n", i, err.message);
            etlc_connector_release(c);
            return 1;
        }
        ok += resp->status >= 200 && resp->status < 300;
        bytes += resp->body_len;
        etlc_http_response_free(resp);
    }
    etlc_connector_release(c);
    FILE *f = fopen(argv[4], "w");
    if (!f || fprintf(f, "requests=%ld ok=%ld bytes=%llu\n", n, ok, bytes) < 0 || fclose(f) != 0) {
        perror(argv[4]);
        return 1;
    }
    return 0;
}

/* libFuzzer target: the S3 reply parsing (s3_encode.c) used on
 * InitiateMultipartUpload (UploadId), ListMultipartUploads (Upload count)
 * and Error bodies (Code, Message): never crash, read past the body or
 * leak; and XML-escaping any text then reading it back gives the text.
 * See README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/s3_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags[] = {"UploadId", "Code", "Message", "Key", "Upload", "Bucket",
                                   "RequestId"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The body as curl hands it: not NUL-terminated. */
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    for (size_t t = 0; t < sizeof tags / sizeof *tags; t++) {
        char *text = etlc__s3_xml_text(body, size, tags[t]);
        if (text && strlen(text) > size)
            abort(); /* decoding only shrinks */
        free(text);
        size_t n = etlc__s3_xml_count(body, size, tags[t]);
        if (n > size / 3)
            abort(); /* every match needs at least "<x>" */
    }
    free(body);

    /* escape -> read back */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    etlc__buf xml = {0};
    if (etlc__buf_puts(&xml, "<Message>") == 0 && etlc__s3_xml_escape(&xml, text) == 0 &&
        etlc__buf_puts(&xml, "</Message>") == 0) {
        char *back = etlc__s3_xml_text(xml.data, xml.len, "Message");
        if (!back || strcmp(back, text) != 0) {
            fprintf(stderr, "escaped '%s' as '%s', read back '%s'\n", text, xml.data,
                    back ? back : "(null)");
            abort();
        }
        free(back);
    }
    etlc__buf_free(&xml);
    free(text);
    return 0;
}

/* fuzz_http.c: libFuzzer entry for the approval page's HTTP request parser (http_parse.c).
 * The input is one connection's bytes; every prefix is parsed too, as the server parses after
 * each read. Whatever the bytes, the parser must not read outside them, and a completed
 * request must describe a body inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_request r;
    char *copy;

    if (size > HTTP_MAX_HEAD + HTTP_MAX_BODY)
        return 0;
    copy = malloc(size ? size : 1); /* exact size: ASan sees any overread */
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    for (size_t n = size > 64 ? size - 64 : 0; n <= size; n++) {
        enum http_parse_rc rc = http_parse(&r, copy, n);
        if (rc == HTTP_DONE && (r.body < copy || r.body + r.body_len > copy + n || r.head_len > n ||
                                r.target[0] != '/' || r.body_len != r.content_length))
            abort();
    }
    free(copy);
    return 0;
}

/* fuzz_message.c: libFuzzer entry for the message handler. The input is split on newlines
 * and fed line by line to one fresh server, exactly as stdin would deliver it, so the fuzzer
 * explores sequences (initialize, then calls) as well as single malformed messages.
 * Responses are serialized (as the writer would) and dropped. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "mcp_server.h"
#include "rpc_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int drop(void *ud, json_t *msg)
{
    size_t len;
    char *s = rpc_dump_line(msg, &len);

    (void)ud;
    free(s);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct skm_config cfg;
    struct mcp_server srv;
    char *copy = malloc(size + 1);
    size_t start = 0;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "/tmp/skm-fuzz-%d", (int)getpid());
    cfg.max_line = 1 << 20;
    mcp_server_init(&srv, &cfg, drop, NULL);
    for (size_t i = 0; i <= size; i++) {
        if (i == size || copy[i] == '\n') {
            json_t *resp = mcp_handle_line(&srv, copy + start, i - start);
            drop(NULL, resp ? resp : json_null());
            json_decref(resp);
            start = i + 1;
        }
    }
    mcp_server_close(&srv);
    free(copy);
    return 0;
}

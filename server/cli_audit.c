/* cli_audit.c: `sessionkey-mcp audit verify [--data-dir DIR]`: walk the hash chain of the
 * audit log and say whether any entry was edited or deleted. Prints one JSON object. */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "db.h"
#include "db_audit.h"

int cli_audit_main(int argc, char **argv)
{
    struct skm_config cfg;
    struct mcp_error err = {MCP_OK, ""};
    struct db *db = NULL;
    int64_t n = 0;
    int rc;

    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        fprintf(stderr, "usage: sessionkey-mcp audit verify [--data-dir DIR]\n");
        return 2;
    }
    if (cfg_parse(&cfg, argc - 1, argv + 1) != CFG_SERVE)
        return 2;
    if (db_open(&db, cfg.data_dir, &err) != MCP_OK || db_audit_verify(&n, db, &err) != MCP_OK) {
        json_t *j = json_pack("{s:b, s:s}", "ok", 0, "error", err.msg);
        json_dumpf(j, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(j);
        rc = 1;
    } else {
        printf("{\"ok\":true,\"entries\":%lld}\n", (long long)n);
        rc = 0;
    }
    db_close(db);
    cfg_free(&cfg);
    return rc;
}

/* cli_audit.c: `sessionkey-mcp audit verify [--data-dir DIR]`: walk the hash chain of the
 * audit log and say whether any entry was edited or deleted. Prints one JSON object. */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "cli_util.h"
#include "db.h"
#include "db_audit.h"

int cli_audit_main(int argc, char **argv)
{
    struct skm_config cfg;
    struct mcp_error err = {MCP_OK, ""};
    struct db *db = NULL;
    int64_t n = 0;
    json_t *j;
    int rc;

    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        fprintf(stderr, "usage: sessionkey-mcp audit verify [--data-dir DIR]\n");
        return 2;
    }
    if (cfg_parse(&cfg, argc - 1, argv + 1) != CFG_SERVE)
        return 2;
    if (db_open(&db, cfg.data_dir, &err) != MCP_OK || db_audit_verify(&n, db, &err) != MCP_OK)
        j = json_pack("{s:b, s:s}", "ok", 0, "error", err.msg);
    else
        j = json_pack("{s:b, s:I}", "ok", 1, "entries", (json_int_t)n);
    rc = cli_print_json(j) != 0 || !json_is_true(json_object_get(j, "ok"));
    json_decref(j);
    db_close(db);
    cfg_free(&cfg);
    return rc;
}

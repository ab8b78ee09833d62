/* cli_chain.c: `sessionkey-mcp chain ...`. Placeholder until the chain RPC module lands. */
#include <stdio.h>

#include "cli.h"

int cli_chain_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stdout, "{\"error\":\"chain commands are not implemented yet\"}\n");
    return 1;
}

/* cli_eth_abi.c: `sessionkey-mcp eth abi-encode | typed-data-hash | sign-typed-data`.
 * Placeholder until the ABI/EIP-712 module lands: says so honestly. */
#include <stdio.h>

#include "cli.h"

static int not_yet(const char *name)
{
    fprintf(stdout, "{\"error\":\"eth %s is not implemented yet\"}\n", name);
    return 1;
}

int cli_eth_abi_encode(int argc, char **argv)
{
    (void)argc;
    return not_yet(argv[0]);
}

int cli_eth_typed_data_hash(int argc, char **argv)
{
    (void)argc;
    return not_yet(argv[0]);
}

int cli_eth_sign_typed_data(int argc, char **argv)
{
    (void)argc;
    return not_yet(argv[0]);
}

/* cli_zerodev.h: `sessionkey-mcp zerodev approve [--rpc CHAINID=URL] < input.json`: build a
 * ZeroDev Kernel v3 session-key approval (the SDK's Enable typed data, its digest, and with a
 * signature the serialized approval) from JSON on stdin; prints one JSON object. See
 * server/cli_zerodev.c for the fields. */
#ifndef SKM_CLI_ZERODEV_H
#define SKM_CLI_ZERODEV_H

/* argv[0] is "zerodev". Returns the process exit status: 0 ok, 1 bad input or a failed chain
 * read ({"error": "..."} printed), 2 usage. */
int cli_zerodev_main(int argc, char **argv);

#endif

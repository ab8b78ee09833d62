/* cli.h: command-line subcommands of the sessionkey-mcp binary (`sessionkey-mcp eth keccak ...`).
 * Each takes argv starting at the subcommand (argv[0] is the subcommand's own name, e.g. "eth"
 * or "abi-encode"), prints a JSON result to stdout, or {"error": "..."} on stdout with exit
 * status 1 for bad input (2 for usage errors), and returns the process exit code. */
#ifndef SKM_CLI_H
#define SKM_CLI_H

/* `sessionkey-mcp eth <cmd>` (server/cli_eth.c): keccak, address, recover, checksum,
 * to-units, from-units, personal-hash, and the three below. */
int cli_eth_main(int argc, char **argv);

/* server/cli_eth_abi.c, reached through cli_eth_main: argv[0] is the command name. */
int cli_eth_abi_encode(int argc, char **argv);
int cli_eth_typed_data_hash(int argc, char **argv);
int cli_eth_sign_typed_data(int argc, char **argv);

/* `sessionkey-mcp chain <cmd> --rpc URL ...` (server/cli_chain.c). */
int cli_chain_main(int argc, char **argv);

/* `sessionkey-mcp audit verify` (server/cli_audit.c). */
int cli_audit_main(int argc, char **argv);

/* `sessionkey-mcp exec [report] [--data-dir DIR] < requests` (server/cli_exec.c): the
 * execution gate for the automation executor; one JSON request per stdin line, one JSON
 * result per stdout line (authorize_execution, or report_execution with `report`). */
int cli_exec_main(int argc, char **argv);

/* `sessionkey-mcp run --data-dir DIR --rpc CHAINID=URL --bundler CHAINID=URL [--once]`
 * (server/cli_run.c): the automation executor; logs JSON lines on stderr, prints nothing. */
int cli_run_main(int argc, char **argv);

#endif

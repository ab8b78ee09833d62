/* cfg_account.h: the deployment's default account type, used when a request names no
 * account. Without configuration it is a ZeroDev Kernel v3 0.3.1 account (the stack the
 * session keys are installed on). A deployment may choose another in the config file
 * ("account": {"type": "kernel-v3", "kernelVersion": "0.3.0"}) or on the command line
 * (--account kernel-v3, --account kernel-v3:0.3.0, --account other, or the JSON object);
 * the command line wins. "other" installs nothing on the wallet: only this server enforces
 * its limits, so it is never the default unless a deployment asks for it. */
#ifndef SKM_CFG_ACCOUNT_H
#define SKM_CFG_ACCOUNT_H

#include <jansson.h>
#include <stddef.h>

#include "cfg.h"

#define CFG_ACCOUNT_DEFAULT_KERNEL "0.3.1"

/* Parse a --account value or a config-file "account" value (j, borrowed; text may be NULL
 * when j is given). Returns: a new object {"type", ["kernelVersion"], ["index"]}, or NULL
 * with why (size >= 200) saying what is wrong and what is accepted. */
json_t *cfg_account_parse(const char *text, json_t *j, char *why, size_t why_size);

/* Resolve the default from --account (cfg->account_opt) or the config file's "account" into
 * cfg->default_account. Returns: 1, or 0 after printing the problem to stderr. */
int cfg_account_setup(struct skm_config *cfg);

/* The default account (a new reference): cfg->default_account, or Kernel v3 0.3.1 when none
 * was configured. Never NULL except on OOM. */
json_t *cfg_account_default(const struct skm_config *cfg);

#endif

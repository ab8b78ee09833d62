/* keys_master.h: the master key that seals session private keys at rest.
 *
 * The key is 32 random bytes in <data_dir>/master.key (mode 0600, owned by us). It is read,
 * or created, lazily: the first keys_master_get() does the file work, never keys_master_new(),
 * so process start touches no key material. In memory the key lives in a sodium_malloc'd page
 * (guard pages, mlock'd, read-only once loaded) and is wiped by keys_master_free().
 *
 * Creation is safe when several server processes race on first use: each writes a private
 * temp file (0600, fsync'd) and link()s it to master.key, which never clobbers an existing
 * file; everyone then reads whichever file won.
 *
 * A keys_master may be shared by threads: the lazy load is serialized by a mutex. */
#ifndef SKM_KEYS_MASTER_H
#define SKM_KEYS_MASTER_H

#include <stdint.h>

#include "mcp_err.h"

#define KEYS_MASTER_LEN 32
#define KEYS_MASTER_FILE "master.key"

struct keys_master;

/* Create a handle for the master key of data_dir. Does no file I/O and loads nothing.
 * Returns: MCP_OK; MCP_EINVAL if data_dir is empty or too long; MCP_ENOMEM.
 * Out: *out, released with keys_master_free(). Set to NULL on failure.
 * In: data_dir, copied. */
enum mcp_rc keys_master_new(struct keys_master **out, const char *data_dir,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* The master key, loading (or creating) <data_dir>/master.key on the first call.
 * data_dir is created (mode 0700, one level) if it does not exist.
 * Returns: MCP_OK; MCP_EIO when the file cannot be created or read; MCP_EINVAL when the file
 * is unsafe or damaged (group/world permissions, not a regular file, another owner, not 32
 * bytes), with a message naming the path and the fix; MCP_ECRYPTO if libsodium is unusable.
 * Out: *key points at KEYS_MASTER_LEN read-only bytes owned by m, valid until
 * keys_master_free(m). Never copy them elsewhere. */
enum mcp_rc keys_master_get(const uint8_t **key, struct keys_master *m,
                            struct mcp_error *err) SKM_WARN_UNUSED;

/* Returns: 1 if the key has been loaded into memory, else 0 (for tests of laziness). */
int keys_master_loaded(const struct keys_master *m);

/* Wipe and free the key (sodium_free) and the handle. m may be NULL. */
void keys_master_free(struct keys_master *m);

#endif

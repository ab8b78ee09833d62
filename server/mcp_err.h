/* mcp_err.h: the one error type every module returns through.
 *
 * Convention (house style): functions return an enum mcp_rc (0 = MCP_OK) and take a
 * struct mcp_error *err as their LAST argument; on failure they fill err with a message a
 * person understands. err may be NULL when the caller does not want the text.
 * Codes have explicit values and are never renumbered. */
#ifndef SKM_MCP_ERR_H
#define SKM_MCP_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define SKM_WARN_UNUSED __attribute__((warn_unused_result))
#define SKM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SKM_WARN_UNUSED
#define SKM_PRINTF(a, b)
#endif

enum mcp_rc {
    MCP_OK = 0,
    MCP_ENOMEM = 1,    /* allocation failed */
    MCP_EINVAL = 2,    /* bad input from the caller (user, model, file) */
    MCP_EIO = 3,       /* file or pipe I/O */
    MCP_EDB = 4,       /* storage (SQLite) */
    MCP_EHTTP = 5,     /* chain RPC transport or HTTP status */
    MCP_ECRYPTO = 6,   /* signature, key or MAC failure */
    MCP_EPOLICY = 7,   /* refused by a session policy */
    MCP_EINTERNAL = 8, /* a bug: "cannot happen" */
    MCP_ENOTFOUND = 9, /* a named thing does not exist */
    MCP_ECONFLICT = 10, /* state conflict: duplicate, already revoked, wrong state */
    MCP_ERPC = 11,     /* chain RPC answered with an error or nonsense */
    MCP_EUNSUPPORTED = 12 /* valid request we do not implement */
};

#define MCP_ERR_MSG_MAX 512

struct mcp_error {
    enum mcp_rc rc;
    char msg[MCP_ERR_MSG_MAX];
};

/* Set err (if non-NULL) to rc and a printf-formatted message, truncated safely.
 * Returns: rc, so that `return mcp_errf(err, MCP_EINVAL, "...")` reads naturally. */
enum mcp_rc mcp_errf(struct mcp_error *err, enum mcp_rc rc, const char *fmt, ...) SKM_PRINTF(3, 4);

/* Prefix the existing message in err with "prefix: " (for adding context on the way up). */
void mcp_err_prefix(struct mcp_error *err, const char *fmt, ...) SKM_PRINTF(2, 3);

/* Reset err to MCP_OK with an empty message. err may be NULL. */
void mcp_err_clear(struct mcp_error *err);

/* A stable upper-case word for rc ("INVALID_ARGUMENT", "STORAGE_ERROR", ...), used as the
 * machine-readable `code` in error tool results. Never NULL. */
const char *mcp_rc_word(enum mcp_rc rc);

/* MCP_NEVER(x): a defensive check at a trust boundary inside the process. Asserts in
 * debug/verify builds; in release it evaluates to x so the caller can return
 * MCP_EINTERNAL instead of crashing (SQLite's NEVER()). */
#if defined(MCP_VERIFY)
#include <assert.h>
#define MCP_NEVER(x) (assert(!(x)), (x))
#else
#define MCP_NEVER(x) (x)
#endif

#endif

/* app_state.c: lazily opened shared resources (see app_state.h). */
#include "app_state.h"

#include "chain_config.h"
#include "chain_rpc.h"

#define MAX_CLIENTS 16

static struct db *g_db;
static struct keys_master *g_keys;
static struct chain_config g_chain_cfg;
static int g_chain_cfg_ready;
static struct {
    uint64_t chain_id;
    struct chain_client *cl;
} g_clients[MAX_CLIENTS];
static int g_n_clients;
static struct chain_config g_bundler_cfg;
static int g_bundler_cfg_ready;
static struct {
    uint64_t chain_id;
    struct chain_client *cl;
} g_bundlers[MAX_CLIENTS];
static int g_n_bundlers;

struct db *app_db(const struct skm_config *cfg, struct mcp_error *err)
{
    if (g_db != NULL)
        return g_db;
    if (cfg_ensure_data_dir(cfg, err) != MCP_OK)
        return NULL;
    if (db_open(&g_db, cfg->data_dir, err) != MCP_OK)
        g_db = NULL;
    return g_db;
}

struct keys_master *app_keys(const struct skm_config *cfg, struct mcp_error *err)
{
    if (g_keys == NULL && keys_master_new(&g_keys, cfg->data_dir, err) != MCP_OK)
        g_keys = NULL;
    return g_keys;
}

static enum mcp_rc chain_cfg(const struct skm_config *cfg, struct mcp_error *err)
{
    json_t *file_rpc = cfg->file ? json_object_get(cfg->file, "rpc") : NULL;

    if (g_chain_cfg_ready)
        return MCP_OK;
    chain_config_init(&g_chain_cfg);
    for (int i = 0; i < cfg->n_rpc; i++)
        if (chain_config_add(&g_chain_cfg, cfg->rpc[i], err) != MCP_OK)
            return err->rc;
    if (file_rpc != NULL && chain_config_add_json(&g_chain_cfg, file_rpc, err) != MCP_OK)
        return err->rc;
    g_chain_cfg_ready = 1;
    return MCP_OK;
}

struct chain_client *app_chain(const struct skm_config *cfg, uint64_t chain_id, struct mcp_error *err)
{
    const char *url;
    struct chain_client *cl;

    for (int i = 0; i < g_n_clients; i++)
        if (g_clients[i].chain_id == chain_id)
            return g_clients[i].cl;
    if (chain_cfg(cfg, err) != MCP_OK || chain_config_url(&url, &g_chain_cfg, chain_id, err) != MCP_OK)
        return NULL;
    if (g_n_clients == MAX_CLIENTS) {
        mcp_errf(err, MCP_EINVAL, "too many chains in use in one process (%d)", MAX_CLIENTS);
        return NULL;
    }
    if (chain_client_new(&cl, &g_chain_cfg, chain_id, err) != MCP_OK)
        return NULL;
    g_clients[g_n_clients].chain_id = chain_id;
    g_clients[g_n_clients++].cl = cl;
    return cl;
}

static enum mcp_rc bundler_cfg(const struct skm_config *cfg, struct mcp_error *err)
{
    json_t *file = cfg->file ? json_object_get(cfg->file, "bundler") : NULL;

    if (g_bundler_cfg_ready)
        return MCP_OK;
    chain_config_init_bundler(&g_bundler_cfg);
    for (int i = 0; i < cfg->n_bundler; i++)
        if (chain_config_add(&g_bundler_cfg, cfg->bundler[i], err) != MCP_OK)
            return err->rc;
    if (file != NULL && chain_config_add_json(&g_bundler_cfg, file, err) != MCP_OK)
        return err->rc;
    g_bundler_cfg_ready = 1;
    return MCP_OK;
}

struct chain_client *app_bundler(const struct skm_config *cfg, uint64_t chain_id, struct mcp_error *err)
{
    const char *url;
    struct chain_client *cl;

    for (int i = 0; i < g_n_bundlers; i++)
        if (g_bundlers[i].chain_id == chain_id)
            return g_bundlers[i].cl;
    if (bundler_cfg(cfg, err) != MCP_OK || chain_config_url(&url, &g_bundler_cfg, chain_id, err) != MCP_OK)
        return NULL;
    if (g_n_bundlers == MAX_CLIENTS) {
        mcp_errf(err, MCP_EINVAL, "too many bundlers in use in one process (%d)", MAX_CLIENTS);
        return NULL;
    }
    if (chain_client_new(&cl, &g_bundler_cfg, chain_id, err) != MCP_OK)
        return NULL;
    g_bundlers[g_n_bundlers].chain_id = chain_id;
    g_bundlers[g_n_bundlers++].cl = cl;
    return cl;
}

void app_state_close(void)
{
    for (int i = 0; i < g_n_bundlers; i++)
        chain_client_free(g_bundlers[i].cl);
    g_n_bundlers = 0;
    if (g_bundler_cfg_ready)
        chain_config_free(&g_bundler_cfg);
    g_bundler_cfg_ready = 0;
    for (int i = 0; i < g_n_clients; i++)
        chain_client_free(g_clients[i].cl);
    g_n_clients = 0;
    if (g_chain_cfg_ready)
        chain_config_free(&g_chain_cfg);
    g_chain_cfg_ready = 0;
    db_close(g_db);
    g_db = NULL;
    keys_master_free(g_keys);
    g_keys = NULL;
}

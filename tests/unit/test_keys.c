/* test_keys.c: master key file rules, sealing, and the session_keys store (crypto-shredding). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "eth_secp.h"
#include "keys_master.h"
#include "keys_seal.h"
#include "keys_store.h"
#include "test.h"

#define WALLET_A "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
#define WALLET_A_MIXED "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
#define WALLET_B "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"

static char g_path[600];

static const char *path_in(const char *dir, const char *name)
{
    snprintf(g_path, sizeof g_path, "%s/%s", dir, name);
    return g_path;
}

/* Write len bytes to path with mode, replacing it. Returns 0 on success. */
static int write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    int ok;

    if (fd < 0)
        return -1;
    ok = write(fd, buf, len) == (ssize_t)len;
    close(fd);
    return ok && chmod(path, mode) == 0 ? 0 : -1;
}

/* Whole file in a malloc'd buffer (*len bytes); a missing file reads as empty. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return calloc(1, 1);
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
            *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* 1 if needle occurs in the file at path or in path + "-wal". */
static int db_files_contain(const char *db_path, const void *needle, size_t needle_len)
{
    char wal[700];
    const char *files[2] = {db_path, wal};
    int found = 0;

    snprintf(wal, sizeof wal, "%s-wal", db_path);
    for (int i = 0; i < 2; i++) {
        size_t len;
        unsigned char *buf = slurp(files[i], &len);

        if (buf != NULL && memmem(buf, len, needle, needle_len) != NULL)
            found = 1;
        free(buf);
    }
    return found;
}

static struct keys_master *master_for(const char *dir)
{
    struct keys_master *m = NULL;
    struct mcp_error err;

    if (keys_master_new(&m, dir, &err) != MCP_OK)
        return NULL;
    return m;
}

/* Load the master key of dir and copy it into out. Returns 0 on success. */
static int load_key_copy(uint8_t out[KEYS_MASTER_LEN], const char *dir)
{
    struct keys_master *m = master_for(dir);
    struct mcp_error err;
    const uint8_t *key;
    int rc = -1;

    if (m != NULL && keys_master_get(&key, m, &err) == MCP_OK) {
        memcpy(out, key, KEYS_MASTER_LEN);
        rc = 0;
    }
    keys_master_free(m);
    return rc;
}

TEST(keys_master_created_0600_on_first_use_only)
{
    const char *dir = test_tmpdir();
    struct keys_master *m = master_for(dir);
    struct mcp_error err;
    const uint8_t *key, *again;
    uint8_t copy[KEYS_MASTER_LEN];
    struct stat st;

    CHECK(m != NULL);
    CHECK(!keys_master_loaded(m));
    CHECK(stat(path_in(dir, KEYS_MASTER_FILE), &st) != 0 && errno == ENOENT);
    CHECK_EQ_INT(keys_master_get(&key, m, &err), MCP_OK);
    CHECK(keys_master_loaded(m));
    CHECK_EQ_INT(stat(path_in(dir, KEYS_MASTER_FILE), &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    CHECK_EQ_INT(st.st_size, KEYS_MASTER_LEN);
    CHECK_EQ_INT(keys_master_get(&again, m, &err), MCP_OK);
    CHECK(again == key);
    CHECK_EQ_INT(load_key_copy(copy, dir), 0); /* a second handle reads the same key */
    CHECK(memcmp(copy, key, KEYS_MASTER_LEN) == 0);
    sodium_memzero(copy, sizeof copy);
    keys_master_free(m);
}

TEST(keys_master_created_0600_despite_permissive_umask)
{
    const char *dir = test_tmpdir();
    uint8_t copy[KEYS_MASTER_LEN];
    mode_t old = umask(0);
    struct stat st;
    int rc = load_key_copy(copy, dir);

    umask(old);
    sodium_memzero(copy, sizeof copy);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(stat(path_in(dir, KEYS_MASTER_FILE), &st), 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
}

TEST(keys_master_creates_missing_data_dir_0700)
{
    char dir[600];
    uint8_t copy[KEYS_MASTER_LEN];
    struct stat st;

    snprintf(dir, sizeof dir, "%s/data", test_tmpdir());
    CHECK_EQ_INT(load_key_copy(copy, dir), 0);
    sodium_memzero(copy, sizeof copy);
    CHECK_EQ_INT(stat(dir, &st), 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0700);
}

/* A key file with the given mode must be refused with a message naming path and fix. */
static void check_mode_refused(mode_t mode)
{
    const char *dir = test_tmpdir();
    uint8_t key[KEYS_MASTER_LEN] = {1, 2, 3};
    struct keys_master *m = master_for(dir);
    struct mcp_error err;
    const uint8_t *got;
    char fix[700];

    CHECK(m != NULL);
    CHECK_EQ_INT(write_file(path_in(dir, KEYS_MASTER_FILE), key, sizeof key, mode), 0);
    CHECK_EQ_INT(keys_master_get(&got, m, &err), MCP_EINVAL);
    CHECK(got == NULL);
    snprintf(fix, sizeof fix, "chmod 600 %s", path_in(dir, KEYS_MASTER_FILE));
    CHECK_CONTAINS(err.msg, fix);
    CHECK(!keys_master_loaded(m));
    /* after the fix the same file is accepted */
    CHECK_EQ_INT(chmod(path_in(dir, KEYS_MASTER_FILE), 0600), 0);
    CHECK_EQ_INT(keys_master_get(&got, m, &err), MCP_OK);
    CHECK(memcmp(got, key, sizeof key) == 0);
    keys_master_free(m);
}

TEST(keys_master_refuses_mode_0644)
{
    check_mode_refused(0644);
}

TEST(keys_master_refuses_mode_0640)
{
    check_mode_refused(0640);
}

TEST(keys_master_refuses_mode_0620_and_0602)
{
    check_mode_refused(0620);
    if (test_failed())
        return;
    check_mode_refused(0602);
}

static void check_refused(const char *dir, enum mcp_rc want, const char *msg_part)
{
    struct keys_master *m = master_for(dir);
    struct mcp_error err;
    const uint8_t *got;

    CHECK(m != NULL);
    CHECK_EQ_INT(keys_master_get(&got, m, &err), want);
    CHECK_CONTAINS(err.msg, path_in(dir, KEYS_MASTER_FILE));
    CHECK_CONTAINS(err.msg, msg_part);
    keys_master_free(m);
}

TEST(keys_master_refuses_wrong_size)
{
    uint8_t buf[KEYS_MASTER_LEN + 1] = {0};
    const char *dir = test_tmpdir();

    CHECK_EQ_INT(write_file(path_in(dir, KEYS_MASTER_FILE), buf, 31, 0600), 0);
    check_refused(dir, MCP_EINVAL, "is 31 bytes, expected 32");
    CHECK_EQ_INT(write_file(path_in(dir, KEYS_MASTER_FILE), buf, 33, 0600), 0);
    check_refused(dir, MCP_EINVAL, "is 33 bytes, expected 32");
    CHECK_EQ_INT(write_file(path_in(dir, KEYS_MASTER_FILE), buf, 0, 0600), 0);
    check_refused(dir, MCP_EINVAL, "is 0 bytes, expected 32");
}

TEST(keys_master_refuses_symlink_and_directory)
{
    const char *dir = test_tmpdir();
    uint8_t key[KEYS_MASTER_LEN] = {7};
    char target[700];

    snprintf(target, sizeof target, "%s/real.key", dir);
    CHECK_EQ_INT(write_file(target, key, sizeof key, 0600), 0);
    CHECK_EQ_INT(symlink(target, path_in(dir, KEYS_MASTER_FILE)), 0);
    check_refused(dir, MCP_EINVAL, "symbolic link");
    CHECK_EQ_INT(unlink(path_in(dir, KEYS_MASTER_FILE)), 0);
    CHECK_EQ_INT(mkdir(path_in(dir, KEYS_MASTER_FILE), 0700), 0);
    check_refused(dir, MCP_EINVAL, "not a regular file");
}

TEST(keys_master_refuses_other_owner)
{
    const char *dir = test_tmpdir();
    uint8_t key[KEYS_MASTER_LEN] = {9};

    if (geteuid() != 0) {
        /* only root can give a file away; nothing else to check as a normal user */
        printf("    (skipped: needs root to chown)\n");
        return;
    }
    CHECK_EQ_INT(write_file(path_in(dir, KEYS_MASTER_FILE), key, sizeof key, 0600), 0);
    CHECK_EQ_INT(chown(path_in(dir, KEYS_MASTER_FILE), 12345, 12345), 0);
    check_refused(dir, MCP_EINVAL, "owned by uid 12345");
}

/* Child of the race test: wait on the barrier, load (or create) the key, send its hash. */
static void race_child(const char *dir, int barrier_fd, int result_fd)
{
    uint8_t key[KEYS_MASTER_LEN], hash[32];
    char c;

    if (read(barrier_fd, &c, 1) < 0)
        _exit(3);
    if (load_key_copy(key, dir) != 0)
        _exit(2);
    crypto_generichash(hash, sizeof hash, key, sizeof key, NULL, 0);
    _exit(write(result_fd, hash, sizeof hash) == (ssize_t)sizeof hash ? 0 : 4);
}

static int count_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

#define RACERS 4

/* Start RACERS processes at once on a fresh dir; all must end up with one and the same key. */
static void race_round(void)
{
    const char *dir = test_tmpdir();
    int barrier[2], results[2], status;
    uint8_t hashes[RACERS][32], mine[32], key[KEYS_MASTER_LEN];
    pid_t pids[RACERS];

    CHECK_EQ_INT(pipe(barrier), 0);
    CHECK_EQ_INT(pipe(results), 0);
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        CHECK(pids[i] >= 0);
        if (pids[i] == 0) {
            close(barrier[1]);
            race_child(dir, barrier[0], results[1]);
        }
    }
    close(barrier[0]);
    close(barrier[1]); /* EOF releases every child at the same moment */
    close(results[1]);
    for (int i = 0; i < RACERS; i++) {
        CHECK_EQ_INT(waitpid(pids[i], &status, 0), pids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_EQ_INT(read(results[0], hashes, sizeof hashes), sizeof hashes);
    close(results[0]);
    CHECK_EQ_INT(load_key_copy(key, dir), 0);
    crypto_generichash(mine, sizeof mine, key, sizeof key, NULL, 0);
    sodium_memzero(key, sizeof key);
    for (int i = 0; i < RACERS; i++)
        CHECK(memcmp(hashes[i], mine, sizeof mine) == 0);
    CHECK_EQ_INT(count_dir_entries(dir), 1); /* no temp files left behind */
}

TEST(keys_master_race_on_first_use_yields_one_key)
{
    for (int round = 0; round < 10 && !test_failed(); round++)
        race_round();
}

/* --- sealing --- */

struct seal_fixture {
    struct keys_master *m;
    uint8_t priv[KEYS_PRIV_LEN];
    uint8_t sealed[KEYS_SEALED_LEN];
};

static int seal_fixture_init(struct seal_fixture *f)
{
    struct mcp_error err;

    f->m = master_for(test_tmpdir());
    test_rand_bytes(f->priv, sizeof f->priv);
    return f->m != NULL &&
           keys_seal(f->sealed, f->m, f->priv, "sess-1", WALLET_A, &err) == MCP_OK;
}

static enum mcp_rc try_open(struct keys_master *m, const uint8_t *sealed, size_t len,
                            const char *sid, const char *wallet, const uint8_t *want,
                            struct mcp_error *err)
{
    uint8_t *priv = NULL;
    enum mcp_rc rc = keys_unseal(&priv, m, sealed, len, sid, wallet, err);

    if (rc == MCP_OK && memcmp(priv, want, KEYS_PRIV_LEN) != 0)
        rc = MCP_EINTERNAL;
    if (rc != MCP_OK && priv != NULL)
        rc = MCP_EINTERNAL; /* failure must leave *priv NULL */
    keys_priv_free(priv);
    return rc;
}

TEST(keys_seal_roundtrip_and_format)
{
    struct seal_fixture f;
    uint8_t again[KEYS_SEALED_LEN];
    struct mcp_error err;

    CHECK(seal_fixture_init(&f));
    CHECK_EQ_INT(f.sealed[0], KEYS_SEAL_VERSION);
    CHECK(memmem(f.sealed, sizeof f.sealed, f.priv, sizeof f.priv) == NULL);
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-1", WALLET_A, f.priv, &err),
                 MCP_OK);
    /* any hex case of the wallet is the same wallet */
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-1", WALLET_A_MIXED, f.priv, &err),
                 MCP_OK);
    /* a fresh nonce every time: same key, different blob */
    CHECK_EQ_INT(keys_seal(again, f.m, f.priv, "sess-1", WALLET_A, &err), MCP_OK);
    CHECK(memcmp(again + 1, f.sealed + 1, KEYS_NONCE_LEN) != 0);
    CHECK(memcmp(again, f.sealed, sizeof again) != 0);
    keys_master_free(f.m);
}

TEST(keys_seal_opened_key_is_guarded_readonly_memory)
{
    struct seal_fixture f;
    struct mcp_error err;
    uint8_t *priv = NULL;
    int status;
    pid_t pid;

    CHECK(seal_fixture_init(&f));
    CHECK_EQ_INT(keys_unseal(&priv, f.m, f.sealed, sizeof f.sealed, "sess-1", WALLET_A, &err),
                 MCP_OK);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* no sanitizer report: just die */
        signal(SIGBUS, SIG_DFL);
        ((volatile uint8_t *)priv)[0] ^= 1; /* must fault: the page is read-only */
        _exit(0);
    }
    CHECK_EQ_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status));
    keys_priv_free(priv);
    keys_master_free(f.m);
}

TEST(keys_seal_tampered_blob_rejected_everywhere)
{
    static const struct {
        const char *region;
        size_t from, to;
    } regions[] = {
        {"version", 0, 1},
        {"nonce", 1, 1 + KEYS_NONCE_LEN},
        {"body", 1 + KEYS_NONCE_LEN, 1 + KEYS_NONCE_LEN + KEYS_PRIV_LEN},
        {"tag", 1 + KEYS_NONCE_LEN + KEYS_PRIV_LEN, KEYS_SEALED_LEN},
    };
    struct seal_fixture f;
    struct mcp_error err;

    CHECK(seal_fixture_init(&f));
    for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++) {
        for (size_t i = regions[r].from; i < regions[r].to; i++) {
            uint8_t bad[KEYS_SEALED_LEN];

            memcpy(bad, f.sealed, sizeof bad);
            bad[i] ^= (uint8_t)(1u << (test_rand() % 8));
            if (try_open(f.m, bad, sizeof bad, "sess-1", WALLET_A, f.priv, &err) != MCP_ECRYPTO) {
                test_fail(__FILE__, __LINE__, "flipped bit in %s byte %zu was accepted",
                          regions[r].region, i);
                return;
            }
        }
    }
    CHECK_CONTAINS(err.msg, "session sess-1");
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed - 1, "sess-1", WALLET_A, f.priv, &err),
                 MCP_ECRYPTO);
    CHECK_CONTAINS(err.msg, "72 bytes, expected 73");
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-1", WALLET_A, f.priv, &err),
                 MCP_OK);
    keys_master_free(f.m);
}

TEST(keys_seal_wrong_master_key_rejected)
{
    struct seal_fixture f;
    struct keys_master *other = master_for(test_tmpdir());
    struct mcp_error err;

    CHECK(other != NULL);
    CHECK(seal_fixture_init(&f));
    CHECK_EQ_INT(try_open(other, f.sealed, sizeof f.sealed, "sess-1", WALLET_A, f.priv, &err),
                 MCP_ECRYPTO);
    CHECK_CONTAINS(err.msg, "does not open");
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-1", WALLET_A, f.priv, &err),
                 MCP_OK);
    keys_master_free(other);
    keys_master_free(f.m);
}

TEST(keys_seal_bound_to_session_and_wallet)
{
    struct seal_fixture f;
    struct mcp_error err;

    CHECK(seal_fixture_init(&f));
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-2", WALLET_A, f.priv, &err),
                 MCP_ECRYPTO);
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-", WALLET_A, f.priv, &err),
                 MCP_ECRYPTO);
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-1", WALLET_B, f.priv, &err),
                 MCP_ECRYPTO);
    CHECK_EQ_INT(try_open(f.m, f.sealed, sizeof f.sealed, "sess-1x", WALLET_A, f.priv, &err),
                 MCP_ECRYPTO);
    keys_master_free(f.m);
}

TEST(keys_seal_rejects_bad_inputs_without_loading_master)
{
    struct keys_master *m = master_for(test_tmpdir());
    uint8_t priv[KEYS_PRIV_LEN] = {1}, sealed[KEYS_SEALED_LEN];
    char long_id[KEYS_SESSION_ID_MAX + 2];
    struct mcp_error err;

    CHECK(m != NULL);
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    CHECK_EQ_INT(keys_seal(sealed, m, priv, "", WALLET_A, &err), MCP_EINVAL);
    CHECK_EQ_INT(keys_seal(sealed, m, priv, long_id, WALLET_A, &err), MCP_EINVAL);
    CHECK_EQ_INT(keys_seal(sealed, m, priv, "s", "0x1234", &err), MCP_EINVAL);
    CHECK_EQ_INT(keys_seal(sealed, m, priv, "s", WALLET_A "00", &err), MCP_EINVAL);
    CHECK_EQ_INT(keys_seal(sealed, m, priv, "s", "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00",
                           &err), MCP_EINVAL);
    CHECK_EQ_INT(keys_seal(sealed, m, priv, "s", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
                           &err), MCP_EINVAL);
    CHECK(!keys_master_loaded(m));
    keys_master_free(m);
}

/* --- the store --- */

struct store_fixture {
    char db_path[600];
    sqlite3 *db;
    struct keys_master *m;
};

static int store_open(struct store_fixture *f, const char *journal_mode)
{
    const char *dir = test_tmpdir();
    char sql[64];
    struct mcp_error err;

    snprintf(f->db_path, sizeof f->db_path, "%s/skm.db", dir);
    f->m = master_for(dir);
    if (f->m == NULL || sqlite3_open(f->db_path, &f->db) != SQLITE_OK)
        return 0;
    snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s", journal_mode);
    return sqlite3_exec(f->db, sql, NULL, NULL, NULL) == SQLITE_OK &&
           keys_store_init(f->db, &err) == MCP_OK;
}

static void store_close(struct store_fixture *f)
{
    sqlite3_close(f->db);
    keys_master_free(f->m);
}

/* The raw sealed column of a row (bypassing the store), for byte searches. */
static int raw_sealed(uint8_t out[KEYS_SEALED_LEN], sqlite3 *db, const char *sid)
{
    sqlite3_stmt *st;
    int ok = 0;

    if (sqlite3_prepare_v2(db, "SELECT sealed FROM session_keys WHERE session_id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEYS_SEALED_LEN) {
        memcpy(out, sqlite3_column_blob(st, 0), KEYS_SEALED_LEN);
        ok = 1;
    }
    sqlite3_finalize(st);
    return ok;
}

TEST(keys_store_put_get_roundtrip)
{
    struct store_fixture f;
    uint8_t priv[KEYS_PRIV_LEN], *got = NULL;
    struct mcp_error err;
    sqlite3_stmt *st;

    CHECK(store_open(&f, "WAL"));
    CHECK(!keys_master_loaded(f.m)); /* schema setup does not touch the master key */
    test_rand_bytes(priv, sizeof priv);
    CHECK_EQ_INT(keys_store_put(f.db, f.m, "s1", WALLET_A_MIXED, priv, 1700000000, &err), MCP_OK);
    CHECK(keys_master_loaded(f.m));
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "s1", WALLET_A, &err), MCP_OK);
    CHECK(memcmp(got, priv, sizeof priv) == 0);
    keys_priv_free(got);
    CHECK_EQ_INT(keys_store_put(f.db, f.m, "s1", WALLET_A, priv, 1700000001, &err), MCP_ECONFLICT);
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "nope", WALLET_A, &err), MCP_ENOTFOUND);
    CHECK(got == NULL);
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "s1", WALLET_B, &err), MCP_ECRYPTO);
    CHECK(got == NULL);
    CHECK_EQ_INT(sqlite3_prepare_v2(f.db, "SELECT wallet, created_at FROM session_keys", -1, &st,
                                    NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), WALLET_A);
    CHECK_EQ_INT(sqlite3_column_int64(st, 1), 1700000000);
    sqlite3_finalize(st);
    store_close(&f);
}

TEST(keys_store_sealed_key_copied_to_other_row_fails)
{
    struct store_fixture f;
    uint8_t p1[KEYS_PRIV_LEN], p2[KEYS_PRIV_LEN], *got = NULL;
    struct mcp_error err;

    CHECK(store_open(&f, "WAL"));
    test_rand_bytes(p1, sizeof p1);
    test_rand_bytes(p2, sizeof p2);
    CHECK_EQ_INT(keys_store_put(f.db, f.m, "victim", WALLET_A, p1, 1, &err), MCP_OK);
    CHECK_EQ_INT(keys_store_put(f.db, f.m, "attacker", WALLET_B, p2, 1, &err), MCP_OK);
    CHECK_EQ_INT(sqlite3_exec(f.db,
                              "UPDATE session_keys SET sealed = (SELECT sealed FROM session_keys "
                              "WHERE session_id = 'victim') WHERE session_id = 'attacker'",
                              NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "attacker", WALLET_B, &err), MCP_ECRYPTO);
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "attacker", WALLET_A, &err), MCP_ECRYPTO);
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "victim", WALLET_A, &err), MCP_OK);
    keys_priv_free(got);
    store_close(&f);
}

/* Fill the table with many rows so pages split, then shred one in the middle: afterwards
 * neither the database nor its WAL may hold the ciphertext (nor, ever, the clear key). */
static void shred_scenario(const char *journal_mode)
{
    struct store_fixture f;
    uint8_t priv[KEYS_PRIV_LEN], sealed[KEYS_SEALED_LEN], *got = NULL;
    struct mcp_error err;
    char sid[32];
    int removed = -1;

    CHECK(store_open(&f, journal_mode));
    for (int i = 0; i < 300; i++) {
        uint8_t other[KEYS_PRIV_LEN];

        test_rand_bytes(other, sizeof other);
        if (i == 150)
            memcpy(priv, other, sizeof priv);
        snprintf(sid, sizeof sid, "session-%03d", i);
        CHECK_EQ_INT(keys_store_put(f.db, f.m, sid, WALLET_A, other, i, &err), MCP_OK);
    }
    CHECK(raw_sealed(sealed, f.db, "session-150"));
    CHECK(db_files_contain(f.db_path, sealed, sizeof sealed)); /* the search can see it */
    CHECK(!db_files_contain(f.db_path, priv, sizeof priv));
    CHECK_EQ_INT(keys_store_shred(f.db, "session-150", &removed, &err), MCP_OK);
    CHECK_EQ_INT(removed, 1);
    CHECK_EQ_INT(keys_store_shred(f.db, "session-150", &removed, &err), MCP_OK);
    CHECK_EQ_INT(removed, 0);
    CHECK_EQ_INT(keys_store_checkpoint(f.db, &err), MCP_OK);
    CHECK(!db_files_contain(f.db_path, sealed, sizeof sealed));
    CHECK(!db_files_contain(f.db_path, sealed + 1 + KEYS_NONCE_LEN, KEYS_PRIV_LEN + KEYS_TAG_LEN));
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "session-150", WALLET_A, &err), MCP_ENOTFOUND);
    CHECK_EQ_INT(keys_store_get(&got, f.db, f.m, "session-151", WALLET_A, &err), MCP_OK);
    keys_priv_free(got);
    store_close(&f);
    CHECK(!db_files_contain(f.db_path, sealed, sizeof sealed));
}

TEST(keys_store_shred_overwrites_ciphertext_wal)
{
    shred_scenario("WAL");
}

TEST(keys_store_shred_overwrites_ciphertext_rollback_journal)
{
    shred_scenario("DELETE");
}

TEST(keys_store_generate_returns_only_address)
{
    struct store_fixture f;
    uint8_t addr[20], derived[20], *priv = NULL;
    struct mcp_error err;

    CHECK(store_open(&f, "WAL"));
    CHECK_EQ_INT(keys_store_generate(addr, f.db, f.m, "gen-1", WALLET_A, 42, &err), MCP_OK);
    CHECK_EQ_INT(keys_store_get(&priv, f.db, f.m, "gen-1", WALLET_A, &err), MCP_OK);
    CHECK_EQ_INT(eth_secp_address(derived, priv, &err), MCP_OK);
    CHECK(memcmp(derived, addr, sizeof addr) == 0);
    CHECK(!db_files_contain(f.db_path, priv, KEYS_PRIV_LEN));
    keys_priv_free(priv);
    CHECK_EQ_INT(keys_store_generate(addr, f.db, f.m, "gen-1", WALLET_A, 43, &err), MCP_ECONFLICT);
    store_close(&f);
}

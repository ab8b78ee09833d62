/* test.h: the tiny unit-test framework (see runner.c).
 *
 *   TEST(keccak_empty) { CHECK(...); CHECK_EQ_INT(a, b); CHECK_STR(a, b); CHECK_HEX(buf, n, "ab12"); }
 *
 * TEST() registers the function at load time, so adding a test file under tests/unit/ needs
 * no other edit. A failed CHECK records file:line and returns from the test. Randomized
 * tests draw from test_rand(), seeded by --seed=HEX (printed on every run for replay). */
#ifndef SKM_TEST_H
#define SKM_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn, const char *file);
void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int test_failed(void);
uint64_t test_rand(void);
void test_rand_bytes(void *buf, size_t len);
/* A fresh empty directory for this test (removed at exit); path valid until the next call. */
const char *test_tmpdir(void);
/* The whole file at path (relative to the repo root, where the runner runs) as a malloc'd,
 * NUL-terminated string, or NULL if it cannot be read. */
char *test_slurp(const char *path);
/* Silence stderr (for code under test that prints usage errors): returns the saved descriptor
 * to hand to test_stderr_restore, which puts stderr back. */
int test_stderr_silence(void);
void test_stderr_restore(int saved);
/* Merge patch into dst (both jansson objects, patch borrowed): null deletes a key, objects
 * merge recursively, anything else replaces. Declared with void pointers so test.h needs no
 * jansson include; pass json_t *. */
void test_json_merge(void *dst, void *patch);
/* Hex-encode (lower case) into a static buffer; for messages only. */
const char *test_hex(const void *buf, size_t len);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void test_reg_##name(void)                                 \
    {                                                                                              \
        test_register(#name, test_##name, __FILE__);                                               \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            test_fail(__FILE__, __LINE__, "CHECK(%s)", #x);                                        \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);               \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                     \
            test_fail(__FILE__, __LINE__, "%s == %s:\n    got      \"%s\"\n    expected \"%s\"",   \
                      #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (h_ == NULL || strstr(h_, n_) == NULL) {                                                \
            test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_); \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_HEX(buf, len, hexstr)                                                                \
    do {                                                                                           \
        const char *g_ = test_hex((buf), (len));                                                   \
        if (strcmp(g_, (hexstr)) != 0) {                                                           \
            test_fail(__FILE__, __LINE__, "%s:\n    got      %s\n    expected %s", #buf, g_,       \
                      (hexstr));                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#endif

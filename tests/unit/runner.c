/* runner.c: the unit-test runner. Tests register themselves with TEST() (test.h).
 *   unit-tests               run everything
 *   unit-tests NAME...       run tests whose name starts with NAME
 *   unit-tests --list        list test names
 *   unit-tests --seed=HEX    replay a randomized run
 * Ends with the line "unit: N passed, M failed"; exit status 1 when anything failed. */
#include "test.h"

#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 4096

struct test_entry {
    const char *name;
    test_fn fn;
    const char *file;
};

static struct test_entry g_tests[MAX_TESTS];
static int g_n_tests;
static int g_cur_failed;
static uint64_t g_rng[4];
static char g_tmproot[256];
static int g_tmp_seq;

void test_register(const char *name, test_fn fn, const char *file)
{
    if (g_n_tests >= MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        exit(2);
    }
    g_tests[g_n_tests++] = (struct test_entry){name, fn, file};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    g_cur_failed = 1;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

int test_failed(void)
{
    return g_cur_failed;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t test_rand(void) /* xoshiro256** */
{
    uint64_t r = rotl(g_rng[1] * 5, 7) * 9, t = g_rng[1] << 17;

    g_rng[2] ^= g_rng[0];
    g_rng[3] ^= g_rng[1];
    g_rng[1] ^= g_rng[2];
    g_rng[0] ^= g_rng[3];
    g_rng[2] ^= t;
    g_rng[3] = rotl(g_rng[3], 45);
    return r;
}

void test_rand_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;

    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(test_rand() >> 56);
}

static void seed_rng(uint64_t seed)
{
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        g_rng[i] = z ^ (z >> 31);
    }
}

const char *test_tmpdir(void)
{
    static char path[512];

    if (g_tmproot[0] == '\0') {
        snprintf(g_tmproot, sizeof g_tmproot, "/tmp/skm-unit-XXXXXX");
        if (mkdtemp(g_tmproot) == NULL) {
            perror("mkdtemp");
            exit(2);
        }
    }
    snprintf(path, sizeof path, "%s/%d", g_tmproot, ++g_tmp_seq);
    if (mkdir(path, 0700) != 0) {
        perror("mkdir");
        exit(2);
    }
    return path;
}

const char *test_hex(const void *buf, size_t len)
{
    static char out[8192];
    const unsigned char *p = buf;
    size_t n = len * 2 < sizeof out - 1 ? len : (sizeof out - 1) / 2;

    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
    return out;
}

int test_stderr_silence(void)
{
    int saved, null_fd;

    fflush(stderr);
    saved = dup(STDERR_FILENO);
    null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
        dup2(null_fd, STDERR_FILENO);
        close(null_fd);
    }
    return saved;
}

void test_stderr_restore(int saved)
{
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
}

char *test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

void test_json_merge(void *dst_, void *patch_)
{
    json_t *dst = dst_, *patch = patch_, *v;
    const char *key;

    json_object_foreach(patch, key, v) {
        json_t *d = json_object_get(dst, key);
        if (json_is_null(v))
            json_object_del(dst, key);
        else if (json_is_object(v) && json_is_object(d))
            test_json_merge(d, v);
        else
            json_object_set(dst, key, v);
    }
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct test_entry *)a)->name, ((const struct test_entry *)b)->name);
}

static int selected(const char *name, int argc, char **argv)
{
    int any = 0;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        any = 1;
        if (strncmp(name, argv[i], strlen(argv[i])) == 0)
            return 1;
    }
    return !any;
}

int main(int argc, char **argv)
{
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    int passed = 0, failed = 0;

    qsort(g_tests, (size_t)g_n_tests, sizeof g_tests[0], cmp_entry);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            for (int t = 0; t < g_n_tests; t++)
                printf("%s\t%s\n", g_tests[t].name, g_tests[t].file);
            return 0;
        }
        if (strncmp(argv[i], "--seed=", 7) == 0)
            seed = strtoull(argv[i] + 7, NULL, 16);
    }
    printf("unit: seed=%016llx (replay with --seed=%016llx)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    for (int t = 0; t < g_n_tests; t++) {
        if (!selected(g_tests[t].name, argc, argv))
            continue;
        seed_rng(seed ^ (uint64_t)t);
        g_cur_failed = 0;
        g_tests[t].fn();
        printf("%s %s\n", g_cur_failed ? "FAIL" : "ok  ", g_tests[t].name);
        fflush(stdout);
        if (g_cur_failed)
            failed++;
        else
            passed++;
    }
    if (g_tmproot[0] != '\0')
        nftw(g_tmproot, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

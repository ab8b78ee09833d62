/* replay.c: run every file under the given corpus folders through the fuzz entry point,
 * without libFuzzer (SQLite's fuzzcheck idea): a crash, an ASan/UBSan report or a hang in
 * `make test` means a regression. Prints "fuzz-replay: N passed, 0 failed". */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        if (f)
            fclose(f);
        return -1;
    }
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

static void walk(const char *dir, int *passed, int *failed)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL) {
        fprintf(stderr, "cannot open %s\n", dir);
        (*failed)++;
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(path, passed, failed);
        else if (run_file(path) == 0)
            (*passed)++;
        else {
            (*failed)++;
            fprintf(stderr, "cannot read %s\n", path);
        }
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;

    for (int i = 1; i < argc; i++)
        walk(argv[i], &passed, &failed);
    printf("fuzz-replay: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* rpc_escapes.c: neutralize escapes jansson cannot load (see rpc_escapes.h). */
#include "rpc_escapes.h"

#include <string.h>

/* The value of the 4 hex digits at s, or -1. */
static long hex4(const char *s)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* 1 if a \uXXXX escape starts at buf[i] (i + 6 <= len); *cp set to its value. */
static int escape_at(const char *buf, size_t len, size_t i, long *cp)
{
    if (i + 6 > len || buf[i] != '\\' || buf[i + 1] != 'u')
        return 0;
    *cp = hex4(buf + i + 2);
    return *cp >= 0;
}

size_t rpc_escapes_neutralize(char *buf, size_t len)
{
    size_t n = 0, i = 0;
    int in_string = 0;
    long cp, lo;

    while (i < len) {
        char c = buf[i];
        if (!in_string) {
            in_string = c == '"';
            i++;
            continue;
        }
        if (c == '"') {
            in_string = 0;
            i++;
            continue;
        }
        if (c != '\\') {
            i++;
            continue;
        }
        if (!escape_at(buf, len, i, &cp)) {
            i += 2; /* \" \\ \n ...: skip the escaped character */
            continue;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF && escape_at(buf, len, i + 6, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            i += 12; /* a proper pair */
            continue;
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
            memcpy(buf + i + 2, "fffd", 4);
            n++;
        }
        i += 6;
    }
    return n;
}

/* utf8_display.c: display-safe text (see utf8_display.h). */
#include "utf8_display.h"

#include <stdio.h>

/* Cc, Cf (Unicode 15.1, complete), Zl and Zp, as sorted inclusive ranges. */
static const uint32_t invisible[][2] = {
    {0x0000, 0x001F},   {0x007F, 0x009F},   {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},
    {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},
    {0x200B, 0x200F},   {0x2028, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF},
    {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
};

int utf8_cp_invisible(uint32_t cp)
{
    size_t lo = 0, hi = sizeof invisible / sizeof invisible[0];

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < invisible[mid][0])
            hi = mid;
        else if (cp > invisible[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

/* Decode one sequence at s (n bytes left). Returns its length, 0 if invalid. */
static size_t next_cp(uint32_t *cp, const unsigned char *s, size_t n)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80 ? 1 : s[0] < 0xC2 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF5 ? 4 : 0;
    uint32_t v;

    if (len == 0 || len > n)
        return 0;
    v = len == 1 ? s[0] : s[0] & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min_cp[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

int utf8_display_safe(const char *s, size_t len, uint32_t *bad, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, pos = 0, step;
    uint32_t cp = 0;

    while (i < len) {
        pos++;
        step = next_cp(&cp, p + i, len - i);
        if (step == 0 || utf8_cp_invisible(cp)) {
            if (bad != NULL)
                *bad = step == 0 ? 0xFFFFFFFFu : cp;
            if (at != NULL)
                *at = pos;
            return 0;
        }
        i += step;
    }
    return 1;
}

void utf8_cp_describe(char *out, size_t size, uint32_t cp)
{
    const char *what = "an invisible format character";

    if (cp == 0xFFFFFFFFu) {
        snprintf(out, size, "a byte that is not UTF-8");
        return;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        what = cp == 0x0A || cp == 0x0D || cp == 0x85 ? "a line break" : cp == 0x09 ? "a tab" : "a control character";
    else if (cp == 0x2028 || cp == 0x2029)
        what = cp == 0x2028 ? "a line separator" : "a paragraph separator";
    else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061C ||
             cp == 0x200E || cp == 0x200F)
        what = "a bidirectional text control";
    else if ((cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF)
        what = "a zero-width character";
    else if (cp == 0x00AD)
        what = "a soft hyphen";
    snprintf(out, size, "U+%04X (%s)", (unsigned)cp, what);
}

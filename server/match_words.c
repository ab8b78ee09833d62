/* match_words.c: see match_words.h. */
#include "match_words.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define WORD_MAX 48

static const char *const filler[] = {
    "cancel", "revoke", "end", "kill", "remove", "delete", "disable", "please", "my", "the", "a", "an", "this",
    "that", "these", "those", "order", "orders", "session", "sessions", "automation", "automations", "strategy",
    "for", "of", "on", "to", "into", "from", "and", "one", "it", "i", "want", "now", "all", "me", "key",
};

static int is_filler(const char *w)
{
    for (size_t i = 0; i < sizeof filler / sizeof filler[0]; i++)
        if (strcmp(w, filler[i]) == 0)
            return 1;
    return 0;
}

/* Next word of *p (letters and digits, lower case) into w; 0 at the end. */
static int next_word(char w[WORD_MAX], const char **p)
{
    size_t n = 0;

    while (**p && !isalnum((unsigned char)**p))
        (*p)++;
    if (**p == '\0')
        return 0;
    while (**p && isalnum((unsigned char)**p)) {
        if (n + 1 < WORD_MAX)
            w[n++] = (char)tolower((unsigned char)**p);
        (*p)++;
    }
    w[n] = '\0';
    return 1;
}

int match_words_key(char *out, size_t size, const char *text)
{
    char w[WORD_MAX], prev[WORD_MAX] = "";
    size_t used = 0;
    int kept = 0, have_prev = 0;
    const char *p = text ? text : "";

    if (size == 0)
        return 0;
    out[0] = '\0';
    /* one word of lookahead: "stop" followed by "loss" is the word "stoploss" */
    for (;;) {
        int more = next_word(w, &p);
        const char *emit = NULL;
        char joined[2 * WORD_MAX];

        if (have_prev && more && strcmp(prev, "stop") == 0 && strcmp(w, "loss") == 0) {
            snprintf(joined, sizeof joined, "stoploss");
            emit = joined;
            have_prev = 0;
            more = next_word(w, &p);
        } else if (have_prev) {
            emit = strcmp(prev, "stop") == 0 ? NULL : prev; /* a lone "stop" means cancel */
        }
        if (emit != NULL && !is_filler(emit)) {
            int k = snprintf(out + used, size - used, "%s%s", used ? " " : "", emit);
            if (k > 0 && used + (size_t)k < size) {
                used += (size_t)k;
                kept++;
            }
        }
        if (!more)
            break;
        snprintf(prev, sizeof prev, "%s", w);
        have_prev = 1;
    }
    return kept;
}

/* w is one of the words of list, with "eth" also naming "weth". */
static int has_word(const char *list, const char *w)
{
    char x[WORD_MAX];
    const char *p = list;

    while (next_word(x, &p))
        if (strcmp(x, w) == 0 || (strcmp(w, "eth") == 0 && strcmp(x, "weth") == 0))
            return 1;
    return 0;
}

int match_words(const char *query, const char *session_words)
{
    char q[512], s[1024], w[WORD_MAX];
    const char *p = q;

    if (match_words_key(q, sizeof q, query) == 0)
        return 0;
    match_words_key(s, sizeof s, session_words);
    while (next_word(w, &p))
        if (!has_word(s, w))
            return 0;
    return 1;
}

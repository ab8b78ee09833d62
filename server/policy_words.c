/* policy_words.c: plain English for durations, time left, amounts and rate limits
 * (see policy_words.h). */
#include "policy_words.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct unit {
    uint64_t seconds;
    const char *one;
    const char *many;
};

static const struct unit units[] = {
    {86400, "day", "days"}, {3600, "hour", "hours"}, {60, "minute", "minutes"}, {1, "second", "seconds"},
};

#define N_UNITS (sizeof units / sizeof units[0])
#define TWO_DAYS (2u * 86400u)

/* Append "N unit" (with a leading space unless at the start); returns the new length. */
static size_t append_unit(char *out, size_t size, size_t used, uint64_t n, const struct unit *u)
{
    int k;

    if (used >= size)
        return used;
    k = snprintf(out + used, size - used, "%s%llu %s", used ? " " : "", (unsigned long long)n,
                 n == 1 ? u->one : u->many);
    return k > 0 ? used + (size_t)k : used;
}

/* Spell seconds with at most max_units units (from the largest non-zero one, consecutive
 * units only when max_units < N_UNITS, so the result is truncated, never skipping a unit). */
static void spell(char *out, size_t size, uint64_t seconds, size_t max_units)
{
    size_t used = 0, first = seconds >= TWO_DAYS ? 0 : 1, taken = 0;

    if (size == 0)
        return;
    out[0] = '\0';
    for (size_t i = first; i < N_UNITS && taken < max_units; i++) {
        uint64_t n = seconds / units[i].seconds;

        seconds %= units[i].seconds;
        if (n == 0 && taken == 0)
            continue;
        taken++;
        if (n != 0)
            used = append_unit(out, size, used, n, &units[i]);
    }
    if (used == 0)
        snprintf(out, size, "0 seconds");
}

void policy_words_duration(char *out, size_t size, uint64_t seconds)
{
    spell(out, size, seconds, N_UNITS);
}

void policy_words_time_left(char *out, size_t size, int64_t valid_until, int64_t now)
{
    char span[POLICY_WORDS_MAX];

    if (now < valid_until) {
        spell(span, sizeof span, (uint64_t)valid_until - (uint64_t)now, 2);
        snprintf(out, size, "in %s", span);
    } else if (now == valid_until) {
        snprintf(out, size, "expired just now");
    } else {
        spell(span, sizeof span, (uint64_t)now - (uint64_t)valid_until, 2);
        snprintf(out, size, "expired %s ago", span);
    }
}

void policy_words_amount(char *out, size_t size, const struct eth_u256 *v, unsigned decimals,
                         const char *symbol, int usd)
{
    char units_text[96];

    eth_u256_to_units(units_text, sizeof units_text, v, decimals);
    snprintf(out, size, "%s%s %s", usd ? "$" : "", units_text, symbol);
}

void policy_words_rate(char *out, size_t size, uint32_t count, uint32_t period, const char *noun)
{
    char per[POLICY_WORDS_MAX];
    size_t i;

    /* the largest of day, hour, minute that divides the period: "90 minutes", "36 hours" */
    for (i = 0; i + 1 < N_UNITS && (period == 0 || period % units[i].seconds != 0); i++)
        ;
    if (i + 1 == N_UNITS)
        policy_words_duration(per, sizeof per, period);
    else if (period == units[i].seconds)
        snprintf(per, sizeof per, "%s", units[i].one);
    else
        snprintf(per, sizeof per, "%lu %s", (unsigned long)(period / units[i].seconds),
                 units[i].many);
    if (period == 1)
        snprintf(per, sizeof per, "second");
    snprintf(out, size, "%lu %s%s per %s", (unsigned long)count, noun, count == 1 ? "" : "s", per);
}

void policy_words_when(char *out, size_t size, int64_t t, int64_t ref)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t, rr = (time_t)ref;
    struct tm tm, rm;
    char year[16] = "";

    if (gmtime_r(&tt, &tm) == NULL || gmtime_r(&rr, &rm) == NULL) {
        snprintf(out, size, "an unknown time");
        return;
    }
    if (tm.tm_year != rm.tm_year)
        snprintf(year, sizeof year, " %d", tm.tm_year + 1900);
    snprintf(out, size, "%s %d %s%s, %02d:%02d UTC", days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], year,
             tm.tm_hour, tm.tm_min);
}

/* policy_words.h: plain English for the numbers in a policy. Exact where a promise is made
 * (durations, amounts, rate limits: nothing is rounded away), approximate only for a moving
 * quantity (time left). No thousands separators ("$1000 USDC"), no weeks ("30 days").
 *
 * Every function writes a NUL-terminated text into out (size bytes; POLICY_WORDS_MAX is always
 * enough) and truncates safely if out is smaller. */
#ifndef SKM_POLICY_WORDS_H
#define SKM_POLICY_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "eth_u256.h"

#define POLICY_WORDS_MAX 128

/* A length of time, exactly, naming every non-zero unit from the largest:
 *   0 -> "0 seconds", 90 -> "1 minute 30 seconds", 5400 -> "1 hour 30 minutes",
 *   86400 -> "24 hours", 3661 -> "1 hour 1 minute 1 second".
 * Under 2 days the largest unit is the hour ("36 hours"); from 2 days on it is the day
 * ("2 days", "30 days", "2 days 12 hours"). */
void policy_words_duration(char *out, size_t size, uint64_t seconds);

/* Time left until valid_until at now, as the largest unit and the next one, truncated:
 *   "in 5 hours 12 minutes", "in 45 seconds", "in 3 days 4 hours";
 * once now >= valid_until: "expired just now" (same second), "expired 3 hours ago". */
void policy_words_time_left(char *out, size_t size, int64_t valid_until, int64_t now);

/* An amount of base units v of a token, exactly, trailing zeros dropped:
 *   usd tokens "$50 USDC", "$41.67 USDC", "$1000 USDC", "$0.000001 USDC";
 *   others "0.5 WETH", "1000 WETH". */
void policy_words_amount(char *out, size_t size, const struct eth_u256 *v, unsigned decimals,
                         const char *symbol, int usd);

/* A rate limit: count `noun`s (singular, e.g. "trade") per period seconds, the period in the
 * largest of day, hour or minute that divides it exactly, else in duration words:
 *   (1, 3600) -> "1 trade per hour", (3, 600) -> "3 trades per 10 minutes",
 *   (2, 86400) -> "2 trades per day", (1, 5400) -> "1 trade per 90 minutes",
 *   (1, 129600) -> "1 trade per 36 hours", (1, 90) -> "1 trade per 1 minute 30 seconds",
 *   (5, 1) -> "5 trades per second". One whole unit drops the "1" ("per hour"). */
void policy_words_rate(char *out, size_t size, uint32_t count, uint32_t period, const char *noun);

/* A moment, for people, in UTC and to the minute (seconds are dropped, never rounded up):
 *   "Fri 5 Dec, 14:00 UTC"; the year is named when it differs from the year of ref
 *   ("Fri 1 Jan 2027, 09:30 UTC"). Every end of a session is stated this way (summary,
 *   confirmation, list, history), so no two texts can disagree about it. */
void policy_words_when(char *out, size_t size, int64_t t, int64_t ref);

#endif

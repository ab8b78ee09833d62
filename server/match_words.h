/* match_words.h: does what a person said ("cancel my ETH TWAP", "the stop loss", "my TWAP
 * order") name a session? Words, not exact strings: the filler words of a request (cancel,
 * my, the, order, session, ...) are dropped, "stop loss" / "stop-loss" / "stop_loss" are one
 * word, and "ETH" also names WETH. A session is named when every remaining word of the request
 * is one of the session's words (its kind, its label, its tokens). */
#ifndef SKM_MATCH_WORDS_H
#define SKM_MATCH_WORDS_H

#include <stddef.h>

/* The meaningful words of text, lower case, space separated, into out (size bytes).
 * Returns: how many words were kept (0: the request names nothing in particular). */
int match_words_key(char *out, size_t size, const char *text);

/* 1 if every meaningful word of query is among the words of session_words (any text: a
 * label, the kind, token symbols, joined by spaces), else 0; 0 when query has no meaningful
 * word. */
int match_words(const char *query, const char *session_words);

#endif

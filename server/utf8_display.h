/* utf8_display.h: display-safe text. A label, a reason or any other free text a client sends
 * ends up in the ✓/✗ summary, the typed data a wallet shows, lists and the audit log. A
 * control, format or separator character there can fake a line ("\u2028✓ Can: anything"),
 * reverse what follows (U+202E), or hide a difference (U+200B in "twap" makes a "new"
 * feature name that looks the same). So free text must hold none of the Unicode general
 * categories Cc (controls, U+0000-001F, U+007F-009F, including U+0085 NEXT LINE), Cf (format:
 * soft hyphen, bidi embeddings, overrides and isolates, zero-width space/joiners, marks, word
 * joiner, invisible operators, BOM, interlinear annotations, tags, ...), Zl (U+2028) or Zp
 * (U+2029). The Cf list is the complete one of Unicode 15.1. */
#ifndef SKM_UTF8_DISPLAY_H
#define SKM_UTF8_DISPLAY_H

#include <stddef.h>
#include <stdint.h>

/* 1 if code point cp is in Cc, Cf, Zl or Zp. */
int utf8_cp_invisible(uint32_t cp);

/* Check s (len bytes, UTF-8). Returns: 1 if it is valid UTF-8 with no Cc/Cf/Zl/Zp character;
 * 0 otherwise, with *bad (may be NULL) the first offending code point (0xFFFFFFFF for an
 * invalid UTF-8 sequence) and *at (may be NULL) its 1-based character position. */
int utf8_display_safe(const char *s, size_t len, uint32_t *bad, size_t *at);

/* A short name for an offending code point, for messages: "U+202E (a right-to-left
 * override)". out size >= 64. */
void utf8_cp_describe(char *out, size_t size, uint32_t cp);

#endif

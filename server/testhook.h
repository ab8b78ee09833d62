/* testhook.h: fault injection for tests, compiled into test builds (SKM_TEST_HOOKS) only.
 * SKM_TEST_FAULT="point[,point...]" makes testhook_fault("point") return 1 in that process,
 * so a test can fail a write at an exact step (after the key was created, at commit, ...) and
 * check that nothing was half-written. In release builds testhook_fault() is always 0. */
#ifndef SKM_TESTHOOK_H
#define SKM_TESTHOOK_H

#if defined(SKM_TEST_HOOKS)
int testhook_fault(const char *point);
#else
#define testhook_fault(point) 0
#endif

#endif

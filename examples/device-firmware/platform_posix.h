/*
 * The Rastro platform hooks on a POSIX host: HTTP over a plain TCP socket, a monotonic or
 * simulated clock, the host's wall clock, and a small file standing in for NVS.
 */
#ifndef PLATFORM_POSIX_H
#define PLATFORM_POSIX_H

#include "rastro_device.h"

typedef struct posix_platform {
  char host[128];
  char port[8];
  char path[128];
  const char *key;
  const char *state_path;
  /* Simulated uptime (ms) when `simulated`, else the monotonic clock since start. */
  bool simulated;
  uint64_t sim_uptime_ms;
  uint64_t start_ms;
  /* Wall clock offered as SNTP time (demo mode); none in simulated mode. */
  bool has_clock;
  /* Last answer's Retry-After (s), 0 when none. */
  unsigned retry_after_s;
  unsigned frames_sent;
} posix_platform_t;

/** Parses "http://host:port/path" into the platform. */
bool posix_platform_set_url(posix_platform_t *pf, const char *url);
/** The hooks bound to `pf`. */
rastro_platform_t posix_platform_hooks(posix_platform_t *pf);
/** Milliseconds of CLOCK_MONOTONIC. */
uint64_t posix_monotonic_ms(void);

#endif

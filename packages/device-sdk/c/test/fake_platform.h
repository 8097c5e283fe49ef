/*
 * A scripted platform for the C tests: a settable clock, an in-memory NVS, and a send hook that
 * records frames and answers with scripted statuses (200 answers acknowledge the whole frame).
 */
#ifndef FAKE_PLATFORM_H
#define FAKE_PLATFORM_H

#include "../rastro_device.h"

#define FAKE_MAX_FRAMES 64
#define FAKE_FRAME_BYTES 16384

typedef struct fake_platform {
  uint64_t uptime_ms;
  uint64_t unix_ms;
  rastro_time_source_t source;
  bool has_state;
  rastro_persist_t state;
  int saves;
  bool fail_save;
  /* Statuses to answer, in order; once used up every send answers 200. */
  int statuses[FAKE_MAX_FRAMES];
  int status_count;
  int sends;
  /* Frames sent, in order. */
  uint8_t frames[FAKE_MAX_FRAMES][FAKE_FRAME_BYTES];
  size_t frame_len[FAKE_MAX_FRAMES];
  /* Ack override: when set, 200 answers carry this ack instead. */
  bool override_ack;
  rastro_ack_t ack;
} fake_platform_t;

/** The platform hooks bound to `fake`. */
rastro_platform_t fake_platform_hooks(fake_platform_t *fake);

/** Reads boot id, first seq and record count from a frame's header and records array head. */
bool fake_frame_info(const uint8_t *frame, size_t len, uint32_t *boot_id, uint32_t *seq, uint32_t *count);

/** Encodes an ack map {0: boot, 1: through, 2: stored, 3: 0, 4: 0}. */
size_t fake_encode_ack(const rastro_ack_t *ack, uint8_t *out, size_t cap);

#endif

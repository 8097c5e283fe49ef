#include "fake_platform.h"

#include <string.h>

static int fake_send(void *user, const uint8_t *frame, size_t len, uint8_t *resp, size_t resp_cap,
                     size_t *resp_len) {
  fake_platform_t *fake = user;
  int status = fake->sends < fake->status_count ? fake->statuses[fake->sends] : 200;
  rastro_ack_t ack;
  if (fake->sends < FAKE_MAX_FRAMES && len <= FAKE_FRAME_BYTES) {
    memcpy(fake->frames[fake->sends], frame, len);
    fake->frame_len[fake->sends] = len;
  }
  fake->sends++;
  if (status == 200) {
    if (fake->override_ack) {
      ack = fake->ack;
    } else {
      uint32_t count;
      memset(&ack, 0, sizeof ack);
      if (!fake_frame_info(frame, len, &ack.boot_id, &ack.acked_through, &count)) {
        return 500;
      }
      ack.acked_through += count - 1u;
      ack.stored = count;
    }
    *resp_len = fake_encode_ack(&ack, resp, resp_cap);
  }
  return status;
}

static uint64_t fake_uptime(void *user) { return ((fake_platform_t *)user)->uptime_ms; }

static rastro_time_source_t fake_unix(void *user, uint64_t *out) {
  fake_platform_t *fake = user;
  *out = fake->unix_ms;
  return fake->source;
}

static bool fake_load(void *user, rastro_persist_t *state) {
  fake_platform_t *fake = user;
  *state = fake->state;
  return fake->has_state;
}

static bool fake_save(void *user, const rastro_persist_t *state) {
  fake_platform_t *fake = user;
  if (fake->fail_save) {
    return false;
  }
  fake->state = *state;
  fake->has_state = true;
  fake->saves++;
  return true;
}

rastro_platform_t fake_platform_hooks(fake_platform_t *fake) {
  rastro_platform_t platform;
  platform.send = fake_send;
  platform.uptime_ms = fake_uptime;
  platform.unix_ms = fake_unix;
  platform.load = fake_load;
  platform.save = fake_save;
  platform.user = fake;
  return platform;
}

/* Minimal reader: a head's argument. */
static bool read_head(const uint8_t *p, size_t n, size_t *off, uint8_t *major, uint64_t *arg) {
  uint8_t info;
  unsigned bytes;
  if (*off >= n) {
    return false;
  }
  *major = (uint8_t)(p[*off] >> 5);
  info = p[*off] & 0x1f;
  (*off)++;
  if (info < 24) {
    *arg = info;
    return true;
  }
  if (info > 27) {
    return false;
  }
  bytes = 1u << (info - 24);
  *arg = 0;
  while (bytes-- > 0) {
    if (*off >= n) {
      return false;
    }
    *arg = (*arg << 8) | p[(*off)++];
  }
  return true;
}

bool fake_frame_info(const uint8_t *frame, size_t len, uint32_t *boot_id, uint32_t *seq, uint32_t *count) {
  size_t off = 0;
  uint8_t major;
  uint64_t pairs;
  uint64_t key;
  uint64_t value;
  if (!read_head(frame, len, &off, &major, &pairs) || major != 5) {
    return false;
  }
  while (pairs-- > 0) {
    if (!read_head(frame, len, &off, &major, &key) || !read_head(frame, len, &off, &major, &value)) {
      return false;
    }
    if (major == 2 || major == 3) {
      off += (size_t)value;
    }
    if (key == 2) {
      *boot_id = (uint32_t)value;
    } else if (key == 3) {
      *seq = (uint32_t)value;
    }
  }
  if (!read_head(frame, len, &off, &major, &value) || major != 4) {
    return false;
  }
  *count = (uint32_t)value;
  return true;
}

size_t fake_encode_ack(const rastro_ack_t *ack, uint8_t *out, size_t cap) {
  rastro_cbor_t c;
  rastro_cbor_init(&c, out, cap);
  rastro_cbor_map(&c, 5);
  rastro_cbor_uint(&c, 0);
  rastro_cbor_uint(&c, ack->boot_id);
  rastro_cbor_uint(&c, 1);
  rastro_cbor_uint(&c, ack->acked_through);
  rastro_cbor_uint(&c, 2);
  rastro_cbor_uint(&c, ack->stored);
  rastro_cbor_uint(&c, 3);
  rastro_cbor_uint(&c, ack->duplicates);
  rastro_cbor_uint(&c, 4);
  rastro_cbor_uint(&c, ack->rejected);
  return c.ok ? c.len : 0;
}

/*
 * rastro_device.c: the device SDK (see rastro_device.h and spec/PROTOCOL.md).
 *
 * Sections: CBOR encoder, CRC-32, CBOR head reader (acks and ring records), ring buffer,
 * device (records, frames, acks, flush). Statics are prv_*. Only integer arithmetic: floats are
 * narrowed by bit manipulation so no soft-float routines are linked on FPU-less cores (ESP32-C3).
 */
#include "rastro_device.h"

#include <string.h>

/* "RST2": the second record layout (CRC first); a ring of the first layout starts empty. */
#define RASTRO_RING_MAGIC 0x52535432u
/** Largest record (CBOR bytes): fits a frame of RASTRO_FRAME_MIN_BYTES with the biggest header. */
#define RASTRO_RECORD_MAX_BYTES 400u
#define RASTRO_FW_VERSION_MAX_BYTES 32u
/** Bytes the SDK keeps for an ack on the stack while flushing. */
#define RASTRO_ACK_MAX_BYTES 32u

/* ---------------------------------------------------------------- CBOR encoder */

void rastro_cbor_init(rastro_cbor_t *c, uint8_t *buf, size_t cap) {
  c->buf = buf;
  c->cap = cap;
  c->len = 0;
  c->ok = true;
}

static bool prv_cbor_put(rastro_cbor_t *c, const void *data, size_t n) {
  if (!c->ok) {
    return false;
  }
  if (c->buf != NULL) {
    if (n > c->cap - c->len) {
      c->ok = false;
      return false;
    }
    if (n > 0) {
      memcpy(c->buf + c->len, data, n);
    }
  }
  c->len += n;
  return true;
}

/*
 * Writes an initial byte and the argument its low 5 bits announce (RFC 8949 §3): none below 24,
 * then 1, 2, 4 or 8 bytes (24..27), big-endian.
 */
static bool prv_cbor_initial(rastro_cbor_t *c, uint8_t initial, uint64_t arg) {
  uint8_t out[9];
  uint32_t hi = (uint32_t)(arg >> 32);
  uint32_t lo = (uint32_t)arg;
  unsigned info = initial & 0x1Fu;
  unsigned bytes = info < 24u ? 0u : 1u << (info - 24u);
  unsigned i;
  out[0] = initial;
  for (i = 0; i < bytes; i++) {
    /* 32-bit shifts: RV32 has no 64-bit shifter and would call libgcc. */
    out[bytes - i] = (uint8_t)((i < 4 ? lo : hi) >> (8 * (i & 3u)));
  }
  return prv_cbor_put(c, out, bytes + 1);
}

/*
 * An item's head with its argument in the shortest form (RFC 8949 §4.2.1 rule 1); for a byte or
 * text string (`data` not NULL) then its `arg` bytes.
 */
static bool prv_cbor_head(rastro_cbor_t *c, uint8_t major, uint64_t arg, const void *data) {
  uint32_t lo = (uint32_t)arg;
  /* 0..23 in the initial byte; else 24, 25, 26, 27 for 1, 2, 4, 8 bytes. */
  unsigned info = (arg >> 32) != 0 ? 27u : lo < 24u ? lo : 24u + (lo > 0xFFu) + (lo > 0xFFFFu);
  return prv_cbor_initial(c, (uint8_t)((major << 5) | info), arg) &&
         (data == NULL || prv_cbor_put(c, data, lo));
}

bool rastro_cbor_uint(rastro_cbor_t *c, uint64_t value) { return prv_cbor_head(c, 0, value, NULL); }

bool rastro_cbor_int(rastro_cbor_t *c, int64_t value) {
  /* Major type 1 holds -1 - value, which is ~value: no overflow at INT64_MIN (RFC 8949 §3.1). */
  return value < 0 ? prv_cbor_head(c, 1, ~(uint64_t)value, NULL) : prv_cbor_head(c, 0, (uint64_t)value, NULL);
}

/* `top` shifted right by `r` (0..31), if no 1 bit is shifted out. */
static bool prv_shift_exact(uint32_t top, uint32_t r, uint32_t *out) {
  *out = top >> r;
  return (top & ((1u << r) - 1u)) == 0;
}

/*
 * A double as the shortest float that holds it exactly (RFC 8949 §4.2.2); with `integers`, as an
 * integer instead when it is integral and |value| < 2^32 (1..5 bytes instead of a 3..9-byte float).
 * Integer arithmetic only, 32 bits wide: no soft-float or 64-bit shift routines get linked.
 */
static bool prv_cbor_double(rastro_cbor_t *c, double value, bool integers) {
  uint64_t d;
  uint32_t hi;
  uint32_t lo;
  uint32_t sign;
  uint32_t top;
  uint32_t bits;
  int32_t e;
  int32_t below;
  unsigned i;
  memcpy(&d, &value, sizeof d);
  lo = (uint32_t)d;
  hi = (uint32_t)(d >> 32);
  sign = hi >> 31;
  e = (int32_t)((hi >> 20) & 0x7FFu) - 1023; /* unbiased exponent */
  hi &= 0xFFFFFu;                            /* the significand is hi:lo */
  if (e == 1024) {
    /* NaN canonicalised to 0x7E00, infinities as half. */
    return prv_cbor_initial(c, 0xF9, (hi | lo) != 0 ? 0x7E00u : ((sign << 15) | 0x7C00u));
  }
  if (e == -1023 && (hi | lo) == 0) {
    /* +0.0 and -0.0: the integer 0, or a half. */
    return integers ? prv_cbor_head(c, 0, 0, NULL) : prv_cbor_initial(c, 0xF9, sign << 15);
  }
  /*
   * An integer below 2^32 and a single or half keep at most the significand's top 32 bits (with
   * the leading 1, which a subnormal double lacks: it is too small for them anyway).
   */
  top = 0x80000000u | (hi << 11) | (lo >> 21);
  if ((lo & 0x1FFFFFu) == 0) {
    if (integers && e >= 0 && e < 32 && prv_shift_exact(top, 31u - (uint32_t)e, &bits)) {
      return prv_cbor_head(c, (uint8_t)sign, bits - sign, NULL); /* -n is written as n - 1 */
    }
    for (i = 0; i < 2; i++) {
      /* Half (10 mantissa bits, exponent bias 15), then single (23, bias 127). */
      uint32_t mbits = i == 0 ? 10u : 23u;
      int32_t bias = i == 0 ? 15 : 127;
      below = 1 - bias - e; /* > 0: a subnormal, this many places below the smallest normal */
      if (e <= bias && below < (int32_t)mbits + 1 &&
          prv_shift_exact(top, 31u - mbits + (below > 0 ? (uint32_t)below : 0u), &bits)) {
        /* A normal's leading 1 (bit mbits) adds 1 to the biased exponent, hence the - 1. */
        bits += (uint32_t)(below > 0 ? 0 : e + bias - 1) << mbits;
        return prv_cbor_initial(c, (uint8_t)(0xF9u + i), (sign << (15u + 16u * i)) | bits);
      }
    }
  }
  return prv_cbor_initial(c, 0xFB, d);
}

bool rastro_cbor_float(rastro_cbor_t *c, double value) { return prv_cbor_double(c, value, false); }

bool rastro_cbor_number(rastro_cbor_t *c, double value) { return prv_cbor_double(c, value, true); }

bool rastro_cbor_bytes(rastro_cbor_t *c, const void *data, size_t n) { return prv_cbor_head(c, 2, n, data); }

bool rastro_cbor_text(rastro_cbor_t *c, const char *text, size_t n) { return prv_cbor_head(c, 3, n, text); }

bool rastro_cbor_array(rastro_cbor_t *c, size_t n) { return prv_cbor_head(c, 4, n, NULL); }

bool rastro_cbor_map(rastro_cbor_t *c, size_t n) { return prv_cbor_head(c, 5, n, NULL); }

bool rastro_cbor_bool(rastro_cbor_t *c, bool value) { return prv_cbor_head(c, 7, value ? 21 : 20, NULL); }

bool rastro_cbor_null(rastro_cbor_t *c) { return prv_cbor_head(c, 7, 22, NULL); }

bool rastro_cbor_raw(rastro_cbor_t *c, const void *data, size_t n) { return prv_cbor_put(c, data, n); }

/* ---------------------------------------------------------------- CRC-32 */

#ifdef RASTRO_CRC32_ROM
#include "esp_rom_crc.h"
uint32_t rastro_crc32(uint32_t crc, const void *data, size_t n) {
  return esp_rom_crc32_le(crc, (const uint8_t *)data, (uint32_t)n);
}
#else
uint32_t rastro_crc32(uint32_t crc, const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  unsigned k;
  crc = ~crc;
  while (n-- > 0) {
    crc ^= *p++;
    for (k = 0; k < 8; k++) {
      /* Bitwise, no table: 1 KB of flash saved; the ROM version is faster. */
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}
#endif

/* ---------------------------------------------------------------- CBOR head reader */

/*
 * Reads the head at p[*off] (definite lengths only) into `*arg` and returns its major type, or
 * 8 when it is cut short or reserved. The content of a byte or text string is skipped too.
 */
static unsigned prv_read_head(const uint8_t *p, size_t n, size_t *off, uint64_t *arg) {
  size_t o = *off;
  uint64_t a;
  unsigned major;
  unsigned bytes;
  if (o >= n) {
    return 8;
  }
  major = p[o] >> 5;
  a = p[o] & 0x1Fu;
  o++;
  if (a >= 24) {
    bytes = 1u << ((unsigned)a - 24);
    if (a > 27 || bytes > n - o) {
      return 8;
    }
    for (a = 0; bytes > 0; bytes--) {
      a = (a << 8) | p[o++];
    }
  }
  if (major == 2 || major == 3) {
    if (a > n - o) {
      return 8;
    }
    o += (size_t)a;
  }
  *off = o;
  *arg = a;
  return major;
}

/* Ack keys 0..5 are the fields of rastro_ack_t in order (spec/PROTOCOL.md "Acknowledgement"). */
typedef char prv_ack_fields_in_key_order[offsetof(rastro_ack_t, status) == 5 * sizeof(uint32_t) ? 1 : -1];

bool rastro_ack_parse(const uint8_t *data, size_t n, rastro_ack_t *ack) {
  size_t off = 0;
  uint64_t pairs;
  uint64_t key;
  uint64_t value;
  unsigned major;
  memset(ack, 0, sizeof *ack);
  if (prv_read_head(data, n, &off, &pairs) != 5) {
    return false;
  }
  /* Pairs until the bytes run out; then their number must be the map's. */
  for (; off < n; pairs--) {
    if (prv_read_head(data, n, &off, &key) != 0) {
      return false;
    }
    major = prv_read_head(data, n, &off, &value);
    if (major == 0 && value <= 0xFFFFFFFFu) {
      if (key < sizeof *ack / sizeof(uint32_t)) {
        uint32_t field = (uint32_t)value;
        memcpy((uint8_t *)ack + key * sizeof field, &field, sizeof field);
      }
    } else if (major != 3) {
      return false; /* a value that is neither a uint32 nor a text (the error code) */
    }
  }
  return pairs == 0;
}

/* ---------------------------------------------------------------- ring buffer */

/*
 * A record in the ring: its CRC-32 (4 bytes) over everything after it, boot id (4), seq (4),
 * body length (2), body. Fields are in the device's own byte order (the ring never leaves the
 * device) at any alignment, so they are copied, never dereferenced in place.
 */
typedef struct prv_ring_header {
  uint32_t crc;
  uint32_t boot_id;
  uint32_t seq;
  uint16_t len;
} prv_ring_header_t;

/* Stored as the struct's first RASTRO_RING_RECORD_OVERHEAD (14) bytes: `len` must be at 12. */
typedef char prv_ring_header_packed[offsetof(prv_ring_header_t, len) == 12u ? 1 : -1];

/* CRC of a record: everything after the CRC field, body included. */
static uint32_t prv_ring_crc(const uint8_t *rec, uint32_t len) {
  return rastro_crc32(0, rec + 4, RASTRO_RING_RECORD_OVERHEAD - 4u + len);
}

/*
 * Reads the record at `off`. Returns the offset of the next one (0 after the wrap point, the
 * head after the newest), or UINT32_MAX when the record is cut or fails its CRC.
 */
static uint32_t prv_ring_read(const rastro_ring_t *ring, uint32_t off, rastro_record_t *out) {
  const uint8_t *rec = ring->buf + off;
  prv_ring_header_t header;
  uint32_t next;
  if (ring->cap - off < RASTRO_RING_RECORD_OVERHEAD) {
    return UINT32_MAX;
  }
  memcpy(&header, rec, RASTRO_RING_RECORD_OVERHEAD);
  if (header.len > ring->cap - off - RASTRO_RING_RECORD_OVERHEAD ||
      header.crc != prv_ring_crc(rec, header.len)) {
    return UINT32_MAX;
  }
  out->boot_id = header.boot_id;
  out->seq = header.seq;
  out->cbor = rec + RASTRO_RING_RECORD_OVERHEAD;
  out->len = header.len;
  next = off + RASTRO_RING_RECORD_OVERHEAD + header.len;
  return next == ring->end && next != ring->head ? 0 : next;
}

static void prv_ring_reset(rastro_ring_t *ring) {
  ring->head = 0;
  ring->tail = 0;
  ring->end = ring->cap;
  ring->count = 0;
}

uint32_t rastro_ring_init(rastro_ring_t *ring, uint8_t *buf, uint32_t cap, bool recover) {
  uint32_t off;
  uint32_t next;
  uint32_t count = 0;
  rastro_record_t rec;
  if (!recover || ring->magic != RASTRO_RING_MAGIC || ring->buf != buf || ring->cap != cap ||
      ring->head > cap || ring->tail > cap || ring->end > cap) {
    ring->buf = buf;
    ring->cap = cap;
    ring->magic = RASTRO_RING_MAGIC;
    prv_ring_reset(ring);
  }
  /* Count from the tail to the head; the first bad record and all after it are dropped. */
  off = ring->tail;
  while (off != ring->head && count < cap / RASTRO_RING_RECORD_OVERHEAD) {
    next = prv_ring_read(ring, off, &rec);
    if (next == UINT32_MAX) {
      break;
    }
    off = next;
    count++;
  }
  ring->head = off;
  ring->count = count;
  if (count == 0) {
    prv_ring_reset(ring);
  }
  return count;
}

bool rastro_ring_pop(rastro_ring_t *ring) {
  rastro_record_t rec;
  uint32_t next;
  if (ring->count == 0) {
    return false;
  }
  next = prv_ring_read(ring, ring->tail, &rec);
  if (next == UINT32_MAX || ring->count == 1) {
    /* Empty now (or a record went bad in memory): start over at offset 0. */
    prv_ring_reset(ring);
    return next != UINT32_MAX;
  }
  if (next == 0) {
    ring->end = ring->cap;
  }
  ring->tail = next;
  ring->count--;
  return true;
}

/*
 * Finds room for a record of `size` bytes at the head, dropping the oldest records as needed.
 * The head never catches up with the tail, so head == tail means empty (and an empty ring is
 * always reset to offset 0). Wrapping moves the head to 0 and marks the end first: a reset
 * before the commit leaves a consistent ring. Until the commit, asking again for the same size
 * finds the same place.
 */
static uint8_t *prv_ring_reserve(rastro_ring_t *ring, uint32_t size, uint32_t *dropped) {
  if (size > ring->cap) {
    return NULL;
  }
  for (;;) {
    if (ring->head >= ring->tail) {
      if (ring->cap - ring->head >= size) {
        return ring->buf + ring->head;
      }
      if (ring->tail > size) {
        ring->end = ring->head;
        ring->head = 0;
        return ring->buf;
      }
    } else if (ring->tail - ring->head > size) {
      return ring->buf + ring->head;
    }
    rastro_ring_pop(ring);
    if (dropped != NULL) {
      (*dropped)++;
    }
  }
}

bool rastro_ring_push(rastro_ring_t *ring, uint32_t boot_id, uint32_t seq, const uint8_t *cbor,
                      uint16_t len, uint32_t *dropped) {
  uint8_t *rec = prv_ring_reserve(ring, RASTRO_RING_RECORD_OVERHEAD + (uint32_t)len, dropped);
  prv_ring_header_t header;
  if (rec == NULL) {
    return false;
  }
  /* The device encodes its records in place (see prv_record): then this moves nothing. */
  memmove(rec + RASTRO_RING_RECORD_OVERHEAD, cbor, len);
  /* Header and CRC first, then the head moves: that is the commit. */
  header.crc = 0;
  header.boot_id = boot_id;
  header.seq = seq;
  header.len = len;
  memcpy(rec, &header, RASTRO_RING_RECORD_OVERHEAD);
  header.crc = prv_ring_crc(rec, len);
  memcpy(rec, &header.crc, sizeof header.crc);
  ring->head = (uint32_t)(rec - ring->buf) + RASTRO_RING_RECORD_OVERHEAD + len;
  ring->count++;
  return true;
}

bool rastro_ring_peek(const rastro_ring_t *ring, uint32_t index, rastro_record_t *out) {
  uint32_t off = ring->tail;
  if (index >= ring->count) {
    return false;
  }
  for (;;) {
    off = prv_ring_read(ring, off, out);
    if (off == UINT32_MAX || index-- == 0) {
      return off != UINT32_MAX;
    }
  }
}

/* ---------------------------------------------------------------- device */

bool rastro_device_init(rastro_device_t *dev, const rastro_device_config_t *config) {
  const rastro_platform_t *pf = config->platform;
  rastro_persist_t state = {0, 0};
  size_t fw_len = config->fw_version != NULL ? strlen(config->fw_version) : 0;
  if (pf == NULL || pf->send == NULL || pf->uptime_ms == NULL || pf->load == NULL || pf->save == NULL ||
      config->ring == NULL || config->ring->magic != RASTRO_RING_MAGIC || config->frame_buf == NULL ||
      config->frame_cap < RASTRO_FRAME_MIN_BYTES || config->frame_cap > RASTRO_FRAME_MAX_BYTES ||
      config->id == NULL || config->id_len < RASTRO_DEVICE_ID_MIN_BYTES ||
      config->id_len > RASTRO_DEVICE_ID_MAX_BYTES || fw_len > RASTRO_FW_VERSION_MAX_BYTES) {
    return false;
  }
  memset(dev, 0, sizeof *dev);
  dev->platform = pf;
  dev->ring = config->ring;
  dev->frame_buf = config->frame_buf;
  dev->frame_limit = config->frame_cap;
  dev->fw_version = fw_len > 0 ? config->fw_version : NULL;
  dev->seq_block = config->seq_block != 0 ? config->seq_block : RASTRO_SEQ_BLOCK_DEFAULT;
  dev->id_len = config->id_len;
  memcpy(dev->id, config->id, config->id_len);
  if (!pf->load(pf->user, &state)) {
    state.boot_id = 0;
    state.seq_reserved = 0;
  }
  /* A new boot id each boot; seqs continue after the last reserved block (gaps, never reuse). */
  dev->boot_id = state.boot_id + 1u;
  dev->next_seq = state.seq_reserved;
  dev->seq_reserved = state.seq_reserved;
  return true;
}

/* Takes the next seq, saving a new reserved block first when the current one is used up. */
static bool prv_take_seq(rastro_device_t *dev, uint32_t *seq) {
  if (dev->next_seq == dev->seq_reserved) {
    rastro_persist_t state;
    state.boot_id = dev->boot_id;
    state.seq_reserved = dev->next_seq + dev->seq_block;
    if (!dev->platform->save(dev->platform->user, &state)) {
      return false;
    }
    dev->seq_reserved = state.seq_reserved;
  }
  *seq = dev->next_seq++;
  return true;
}

static uint64_t prv_uptime(rastro_device_t *dev) {
  uint64_t now = dev->platform->uptime_ms(dev->platform->user);
  if (now < dev->last_uptime_ms) {
    now = dev->last_uptime_ms;
  }
  dev->last_uptime_ms = now;
  return now;
}

static size_t prv_strlen(const char *s) { return s != NULL ? strlen(s) : 0; }

static bool prv_text(rastro_cbor_t *c, const char *s) { return rastro_cbor_text(c, s, prv_strlen(s)); }

/*
 * Deterministic order of text keys (RFC 8949 §4.2.1): shorter first, then bytewise. One walk
 * over both: the longer one is greater, else the first byte that differs decides.
 */
static bool prv_key_less(const char *a, const char *b) {
  int diff = 0;
  for (; *a != '\0' && *b != '\0'; a++, b++) {
    if (diff == 0) {
      diff = (uint8_t)*a - (uint8_t)*b;
    }
  }
  return *a != '\0' ? false : *b != '\0' || diff < 0;
}

/*
 * Writes the properties as a map in deterministic key order: each round takes the least key
 * above the one written before. Fails on a duplicate, empty or NULL key.
 */
static bool prv_encode_props(rastro_cbor_t *c, const rastro_prop_t *props, size_t n) {
  const char *prev = ""; /* below every key of 1 byte or more */
  size_t k;
  size_t i;
  rastro_cbor_map(c, n);
  for (k = 0; k < n; k++) {
    const rastro_prop_t *best = NULL;
    for (i = 0; i < n; i++) {
      if (props[i].key == NULL) {
        break;
      }
      if (prv_key_less(prev, props[i].key) && (best == NULL || prv_key_less(props[i].key, best->key))) {
        best = &props[i];
      }
    }
    if (best == NULL || i < n) {
      /* A NULL key, or fewer keys above `prev` than rounds left: a duplicate or empty key. */
      c->ok = false;
      return false;
    }
    prv_text(c, best->key);
    switch (best->type) {
    case RASTRO_PROP_INT:
      rastro_cbor_int(c, best->v.i);
      break;
    case RASTRO_PROP_NUMBER:
      rastro_cbor_number(c, best->v.f);
      break;
    case RASTRO_PROP_TEXT:
      prv_text(c, best->v.s);
      break;
    case RASTRO_PROP_BOOL:
      rastro_cbor_bool(c, best->v.b);
      break;
    default:
      c->ok = false;
    }
    prev = best->key;
  }
  return c->ok;
}

/* Record kinds (first item of a record array). */
#define RASTRO_RECORD_EVENT 0u
#define RASTRO_RECORD_READING 1u

/* What a record holds; encoded by prv_encode_record. */
typedef struct prv_record_args {
  uint8_t kind;
  const char *name; /* event name or metric */
  const rastro_prop_t *props;
  size_t n;
  const char *text; /* user id or unit */
  double value;
} prv_record_args_t;

/* [0, uptime, name, ?props, ?user] or [1, uptime, metric, value, ?unit] */
static bool prv_encode_record(rastro_cbor_t *c, uint64_t uptime, const prv_record_args_t *r) {
  bool has_text = r->text != NULL && r->text[0] != '\0';
  bool event = r->kind == RASTRO_RECORD_EVENT;
  /* An event's properties must be there (maybe empty) when a user id follows them. */
  bool has_fourth = !event || r->n > 0 || has_text;
  rastro_cbor_array(c, 3u + (has_fourth ? 1u : 0u) + (has_text ? 1u : 0u));
  rastro_cbor_uint(c, r->kind);
  rastro_cbor_uint(c, uptime);
  prv_text(c, r->name);
  if (!event) {
    rastro_cbor_number(c, r->value);
  } else if (has_fourth) {
    prv_encode_props(c, r->props, r->n);
  }
  if (has_text) {
    prv_text(c, r->text);
  }
  return c->ok;
}

/*
 * Encodes a record straight into the ring: its size first (size-only mode), then in the place
 * rastro_ring_push will put it, which the push then seals.
 */
static bool prv_record(rastro_device_t *dev, const prv_record_args_t *args) {
  rastro_cbor_t c;
  uint64_t uptime = prv_uptime(dev);
  uint8_t *rec;
  uint32_t seq;
  rastro_cbor_init(&c, NULL, 0);
  if (args->name == NULL || !prv_encode_record(&c, uptime, args) || c.len > RASTRO_RECORD_MAX_BYTES ||
      !prv_take_seq(dev, &seq)) {
    return false;
  }
  rec = prv_ring_reserve(dev->ring, RASTRO_RING_RECORD_OVERHEAD + (uint32_t)c.len, &dev->dropped);
  if (rec == NULL) {
    return false;
  }
  rastro_cbor_init(&c, rec + RASTRO_RING_RECORD_OVERHEAD, c.len);
  prv_encode_record(&c, uptime, args);
  return rastro_ring_push(dev->ring, dev->boot_id, seq, c.buf, (uint16_t)c.len, NULL);
}

bool rastro_device_event(rastro_device_t *dev, const char *name, const rastro_prop_t *props,
                         size_t n, const char *user_id) {
  prv_record_args_t args;
  args.kind = RASTRO_RECORD_EVENT;
  args.name = name;
  args.props = props;
  args.n = props != NULL ? n : 0;
  args.text = user_id; /* no value: an event has none */
  return prv_record(dev, &args);
}

bool rastro_device_reading(rastro_device_t *dev, const char *metric, double value, const char *unit) {
  prv_record_args_t args;
  args.kind = RASTRO_RECORD_READING;
  args.name = metric; /* no properties: a reading has none */
  args.text = unit;
  args.value = value;
  return prv_record(dev, &args);
}

/* Header keys (spec/frame.cddl `header`). */
enum { H_VERSION, H_DEVICE, H_BOOT, H_SEQ, H_SENT_UPTIME, H_UNIX, H_TIME_SOURCE, H_FIRMWARE };

/*
 * The header map for records of `boot_id` starting at `seq`. Keys 0-3 always; the sent uptime
 * (4) only when the records are of the running boot, and the clock (5, 6) only then and with a
 * known source; so the keys before the firmware (7) are always 0 up to some last one.
 */
static void prv_encode_header(rastro_device_t *dev, rastro_cbor_t *c, uint32_t boot_id, uint32_t seq) {
  uint64_t values[H_FIRMWARE]; /* by key; those from `keys` on are not sent */
  unsigned keys = H_SENT_UPTIME;
  unsigned key;
  values[H_VERSION] = RASTRO_PROTOCOL_VERSION;
  values[H_BOOT] = boot_id;
  values[H_SEQ] = seq;
  if (boot_id == dev->boot_id) {
    values[H_SENT_UPTIME] = prv_uptime(dev);
    keys = H_UNIX;
    if (dev->platform->unix_ms != NULL) {
      values[H_TIME_SOURCE] = dev->platform->unix_ms(dev->platform->user, &values[H_UNIX]);
      keys = values[H_TIME_SOURCE] != RASTRO_TIME_NONE ? H_FIRMWARE : H_UNIX;
    }
  }
  rastro_cbor_map(c, keys + (dev->fw_version != NULL ? 1u : 0u));
  for (key = H_VERSION; key <= H_FIRMWARE; key++) {
    if (key == keys) {
      if (dev->fw_version == NULL) {
        break;
      }
      key = H_FIRMWARE; /* the keys in between are not sent */
    }
    rastro_cbor_uint(c, key);
    if (key == H_DEVICE) {
      rastro_cbor_bytes(c, dev->id, dev->id_len);
    } else if (key == H_FIRMWARE) {
      prv_text(c, dev->fw_version);
    } else {
      rastro_cbor_uint(c, values[key]);
    }
  }
}

/*
 * A stored record is [type, uptime, rest...]. In a frame the uptime becomes a delta from the
 * record before (the first keeps its uptime), so the frame copies the head bytes, writes the
 * new time and copies the rest. Returns the offset of `rest` (0: not a record).
 */
static size_t prv_split_record(const rastro_record_t *rec, uint64_t *uptime) {
  size_t off = 2; /* array head (< 24 items) and type (< 24) are one byte each */
  return prv_read_head(rec->cbor, rec->len, &off, uptime) == 0 ? off : 0;
}

size_t rastro_device_build_frame(rastro_device_t *dev, uint32_t *records) {
  rastro_ring_t *ring = dev->ring;
  uint8_t *buf = dev->frame_buf;
  rastro_record_t rec;
  rastro_cbor_t c;
  uint64_t prev = 0;
  uint32_t boot_id;
  uint32_t seq;
  uint32_t n;
  uint32_t off = ring->tail;
  uint32_t crc;
  unsigned i;
  size_t at;
  size_t end;
  size_t rest;
  *records = 0;
  if (!rastro_ring_peek(ring, 0, &rec)) {
    return 0;
  }
  boot_id = rec.boot_id;
  seq = rec.seq;
  /* Room for everything but the CRC. The header (at most 97 bytes) always fits. */
  rastro_cbor_init(&c, buf, dev->frame_limit - 4u);
  prv_encode_header(dev, &c, boot_id, seq);
  /* The array head is written once the count is known: keep its longest form's 3 bytes. */
  at = c.len;
  c.len += 3;
  /* Consecutive records of the first one's boot, as many as fit. */
  for (n = 0; n < ring->count; n++) {
    uint64_t uptime;
    off = prv_ring_read(ring, off, &rec);
    rest = off != UINT32_MAX ? prv_split_record(&rec, &uptime) : 0;
    if (rest == 0 || rec.boot_id != boot_id || rec.seq != seq + n) {
      break;
    }
    end = c.len;
    rastro_cbor_raw(&c, rec.cbor, 2);
    rastro_cbor_uint(&c, uptime > prev ? uptime - prev : 0); /* the first: its uptime */
    if (!rastro_cbor_raw(&c, rec.cbor + rest, rec.len - rest)) {
      c.len = end; /* does not fit: this frame is full */
      break;
    }
    prev = uptime;
  }
  if (n == 0) {
    return 0;
  }
  /* Write the array head in its shortest form and move the records up to it. */
  end = c.len - (at + 3u); /* bytes of records */
  c.len = at;
  c.ok = true;
  rastro_cbor_array(&c, n);
  memmove(buf + c.len, buf + at + 3u, end);
  end += c.len;
  /* The CRC-32, big-endian, in the 4 bytes kept free. */
  crc = rastro_crc32(0, buf, end);
  for (i = 0; i < 4u; i++) {
    buf[end++] = (uint8_t)(crc >> (24u - 8u * i));
  }
  *records = n;
  return end;
}

uint32_t rastro_device_apply_ack(rastro_device_t *dev, const rastro_ack_t *ack) {
  rastro_record_t rec;
  uint32_t freed = 0;
  while (rastro_ring_peek(dev->ring, 0, &rec) && rec.boot_id == ack->boot_id &&
         rec.seq <= ack->acked_through) {
    rastro_ring_pop(dev->ring);
    freed++;
  }
  return freed;
}

rastro_flush_result_t rastro_device_flush(rastro_device_t *dev) {
  const rastro_platform_t *pf = dev->platform;
  uint8_t resp[RASTRO_ACK_MAX_BYTES];
  rastro_ack_t ack;
  uint32_t records;
  size_t resp_len;
  size_t len;
  int status;
  for (;;) {
    len = rastro_device_build_frame(dev, &records);
    if (len == 0) {
      return RASTRO_FLUSH_DONE;
    }
    resp_len = 0;
    status = pf->send(pf->user, dev->frame_buf, len, resp, sizeof resp, &resp_len);
    if (status >= 200 && status < 300) {
      if (resp_len > sizeof resp || !rastro_ack_parse(resp, resp_len, &ack) ||
          rastro_device_apply_ack(dev, &ack) == 0) {
        return RASTRO_FLUSH_BAD_ACK;
      }
    } else if (status == 413 && dev->frame_limit > RASTRO_FRAME_MIN_BYTES) {
      dev->frame_limit = (uint16_t)(dev->frame_limit / 2u < RASTRO_FRAME_MIN_BYTES ? RASTRO_FRAME_MIN_BYTES
                                                                                   : dev->frame_limit / 2u);
    } else if (status == 0 || status == 408 || status == 429 || status >= 500) {
      return RASTRO_FLUSH_RETRY;
    } else if (status == 401 || status == 403) {
      return RASTRO_FLUSH_AUTH;
    } else {
      /* Refused for good (400, or 413 at the smallest frame): drop so the ring is not blocked. */
      while (records-- > 0 && rastro_ring_pop(dev->ring)) {
        dev->dropped++;
      }
    }
  }
}
